"""Several tool calls in one turn: find, then act ("move Acme's biggest open deal to negotiation"), bounded so a model
that keeps calling tools ends with a plain answer instead of an error, and the thread still works afterwards."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.models import OPEN_STAGES, Account, Deal, User
from tessera.runtime import Tessera
from tessera.settings import AgentModels
from tests.conftest import FIXED_NOW, settings_for
from tests.scripted_model import ScriptedModel, install
from tests.security.erasure_support import changed_rows, snapshot

BOOKKEEPING = {"undo_log", "turn_traces", "pending_approvals", "privacy_audit_log", "turns_in_flight",
               "idempotent_turns", "data_versions"}


def biggest_open_deal(tessera: Tessera, account: str, login: str = "li.wei") -> Deal:
    """Graded against the store: the open deal of `account` with the largest amount that `login`'s unit holds."""
    with tessera.store.session() as s:
        unit = s.scalar(select(User.unit_id).where(User.login == login))
        deals = s.scalars(select(Deal).join(Account).where(Account.name == account, Deal.unit_id == unit,
                                                           Deal.stage.in_(OPEN_STAGES))).all()
        best = max(deals, key=lambda d: (d.amount, -d.id))
        s.expunge(best)
        return best


def stage_not(deal: Deal) -> str:
    return "proposal" if deal.stage == "negotiation" else "negotiation"


@pytest.mark.parametrize("words", ["move Acme's biggest open deal to {stage}",
                                   "把Acme Robotics金额最大的商机改到{zh}阶段"])
def test_the_offline_model_finds_the_biggest_open_deal_then_moves_it_in_one_turn(tessera, words):
    target = biggest_open_deal(tessera, "Acme Robotics")
    stage = stage_not(target)
    before = snapshot(tessera.store)
    turn = tessera.chat("li.wei", "multi", words.format(stage=stage, zh={"proposal": "报价",
                                                                         "negotiation": "谈判"}[stage]))
    assert [c["name"] for c in turn.tool_calls] == ["find_deals", "move_deal_stage"], turn.reply
    assert turn.tool_calls[1]["args"]["deal"] == f"D-{target.id}"
    with tessera.store.session() as s:
        assert s.get(Deal, target.id).stage == stage
    changed = changed_rows(before, snapshot(tessera.store))
    assert set(changed) - BOOKKEEPING == {"deals", "deal_stage_changes"} and changed["deals"] == {(target.id,)}
    steps = tessera.traces.get(turn.turn_id).steps
    assert [s["name"] for s in steps if s["type"] == "tool"] == ["find_deals", "move_deal_stage"]
    assert turn.undo_ids  # a move between open stages can be taken back


@pytest.mark.parametrize("words", ["I need a 12% discount on the biggest open deal I have, the customer is pushing hard",
                                   "request a 12% discount on the biggest open deal I have"])
def test_a_discount_wanted_on_the_biggest_deal_the_rep_has_is_found_then_asked_for(tessera, words):
    """A size to grant beside "biggest" asks for no figure: the rep's own open deals are found, then the biggest one
    gets the request, shown as a plan; nothing is booked before the rep says yes."""
    with tessera.store.session() as s:
        me = s.scalar(select(User.id).where(User.login == "james.liu"))
        target = max(s.scalars(select(Deal).where(Deal.owner_id == me, Deal.stage.in_(OPEN_STAGES))).all(),
                     key=lambda d: (d.amount, -d.id))
        amount = target.amount
    before = snapshot(tessera.store)
    turn = tessera.chat("james.liu", "wanted", words)
    assert [c["name"] for c in turn.tool_calls] == ["find_deals", "request_discount"], turn.reply
    assert turn.tool_calls[0]["args"] == {"owner": "me", "open": True}
    assert turn.tool_calls[1]["args"]["deal"] == f"D-{target.id}" and turn.tool_calls[1]["args"]["percent"] == 12
    assert turn.confirmation is not None
    assert set(changed_rows(before, snapshot(tessera.store))) - BOOKKEEPING == set()
    with tessera.store.session() as s:
        assert s.get(Deal, target.id).amount == amount


def test_a_model_that_keeps_calling_tools_is_stopped_with_a_plain_answer_and_the_thread_goes_on(data_dir):
    scripted = ScriptedModel()
    install(scripted)
    app = Tessera(settings_for(data_dir, models=AgentModels(sales="scripted/llm", fallbacks=[])),
                  clock=lambda: FIXED_NOW, seed=False)
    try:
        again = {"tool_calls": [{"name": "find_deals", "args": {"account": "Acme Robotics"}}]}
        scripted.enqueue(*[again] * 5)
        turn = app.chat("li.wei", "loop", "show me the Acme deals")
        assert "stopped after 4 steps" in turn.reply
        steps = app.traces.get(turn.turn_id).steps
        assert sum(1 for s in steps if s["type"] == "tool" and s["status"] == "success") == 4
        assert steps[-1]["type"] == "model" and not steps[-1]["tool_calls"]
        scripted.enqueue({"content": "Hello again."})
        assert app.chat("li.wei", "loop", "hi").reply == "Hello again."
    finally:
        app.close()
