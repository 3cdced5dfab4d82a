"""Plan, confirm, act: closing a deal (and every irreversible write) shows the plan and waits for the user's own yes.

The model here is scripted through LiteLLM, as a real LLM's tool calls would arrive: the confirmation is enforced
by the graph, not asked of the model."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from channels.auth import issue_token
from channels.http_api import create_app
from crm.models import OPEN_STAGES, Deal, User
from tessera.runtime import Tessera
from tests.scripted_model import ScriptedModel
from tests.security.erasure_support import changed_rows, snapshot

# Written by any turn: its trace, the paused request and its answer, the audit chain, the turn journal.
BOOKKEEPING = {"undo_log", "turn_traces", "pending_approvals", "privacy_audit_log", "turns_in_flight", "idempotent_turns",
               "data_versions"}


@pytest.fixture
def app(scripted_app) -> Tessera:
    return scripted_app


def open_deal_of(tessera: Tessera, login: str) -> Deal:
    with tessera.store.session() as s:
        owner = s.scalar(select(User).where(User.login == login))
        deal = s.scalars(select(Deal).where(Deal.owner_id == owner.id, Deal.stage.in_(OPEN_STAGES))
                         .order_by(Deal.id)).first()
        s.expunge(deal)
        return deal


def stage_of(tessera: Tessera, deal_id: int) -> str:
    with tessera.store.session() as s:
        return s.get(Deal, deal_id).stage


def closing(scripted: ScriptedModel, deal: Deal, stage: str = "won") -> None:
    scripted.enqueue({"tool_calls": [{"name": "move_deal_stage", "args": {"deal": f"D-{deal.id}", "stage": stage}}]})


def test_closing_a_deal_won_shows_the_plan_and_writes_nothing_until_the_rep_says_yes(app, scripted):
    deal = open_deal_of(app, "li.wei")
    before = snapshot(app.store)
    closing(scripted, deal)
    asked = app.chat("li.wei", "close", f"we won D-{deal.id}, mark it won")
    assert asked.confirmation["tool"] == "move_deal_stage" and asked.approval is None
    assert asked.confirmation["plan"]["changes"] == [{"record": f"D-{deal.id}", "field": "stage", "old": deal.stage,
                                                      "new": "won"}]
    assert f"D-{deal.id}" in asked.reply and "Reply 'yes'" in asked.reply
    assert set(changed_rows(before, snapshot(app.store))) <= BOOKKEEPING

    scripted.enqueue({"content": f"D-{deal.id} is won."})
    done = app.chat("li.wei", "close", "yes")
    assert done.reply.startswith(f"D-{deal.id} is won.") and done.confirmation is None
    assert f"D-{deal.id} stage: {deal.stage} → won" in done.reply and "cannot be undone" in done.reply
    assert stage_of(app, deal.id) == "won"
    changed = changed_rows(before, snapshot(app.store))
    assert set(changed) - BOOKKEEPING == {"deals", "deal_stage_changes"}
    assert [k for k in changed["deals"]] == [(deal.id,)]
    assert len(changed["deal_stage_changes"]) == 1  # one new row of the deal's stage history, the close


@pytest.mark.parametrize("answer", ["no", "取消"])
def test_a_no_cancels_the_plan_and_nothing_is_written(app, scripted, answer):
    deal = open_deal_of(app, "li.wei")
    before = snapshot(app.store)
    closing(scripted, deal, "lost")
    app.chat("li.wei", "close", f"D-{deal.id} is lost")
    cancelled = app.chat("li.wei", "close", answer)
    assert cancelled.reply in ("Cancelled: nothing was changed.", "已取消，没有做任何更改。")
    assert set(changed_rows(before, snapshot(app.store))) <= BOOKKEEPING
    assert app.pending_confirmation(app.actor("li.wei"), app.config(app.actor("li.wei"), "close")) is None


def test_an_unrelated_message_cancels_the_plan_and_is_answered_as_a_new_request(app, scripted):
    deal = open_deal_of(app, "li.wei")
    closing(scripted, deal)
    app.chat("li.wei", "close", f"mark D-{deal.id} won")
    scripted.enqueue({"tool_calls": [{"name": "find_deals", "args": {"account": "Acme Robotics"}}]},
                     {"content": "Here are Acme's deals."})
    turn = app.chat("li.wei", "close", "show me the Acme deals")
    assert turn.reply == "Here are Acme's deals." and [c["name"] for c in turn.tool_calls] == ["find_deals"]
    assert stage_of(app, deal.id) == deal.stage
    assert "show me the Acme deals" in scripted.history[-2]["messages"][-1]["content"]  # read as a request


def test_a_move_between_open_stages_is_not_asked(app, scripted):
    deal = open_deal_of(app, "li.wei")
    target = "negotiation" if deal.stage != "negotiation" else "proposal"
    scripted.enqueue({"tool_calls": [{"name": "move_deal_stage", "args": {"deal": f"D-{deal.id}", "stage": target}}]},
                     {"content": "Moved."})
    turn = app.chat("li.wei", "move", f"move D-{deal.id} to {target}")
    assert turn.confirmation is None and stage_of(app, deal.id) == target


def test_a_model_that_calls_a_consent_change_for_a_question_is_stopped_by_the_confirmation(app, scripted):
    """A scripted model misreads a question as a request: the graph still shows a plan and revokes nothing."""
    before = snapshot(app.store)
    scripted.enqueue({"tool_calls": [{"name": "revoke_consent", "args": {"what": "AI training"}}]})
    asked = app.chat("cust.chen.jing", "q", "我的数据会被用来训练AI吗？")
    assert asked.confirmation["tool"] == "revoke_consent" and "确认" in asked.reply
    scripted.enqueue({"content": "您的数据不会在未经同意的情况下用于训练。"})
    app.chat("cust.chen.jing", "q", "我只是问问")
    assert set(changed_rows(before, snapshot(app.store))) <= BOOKKEEPING


def test_two_writes_in_one_step_are_a_bulk_change_confirmed_as_a_whole(app, scripted):
    deal = open_deal_of(app, "li.wei")
    before = snapshot(app.store)
    scripted.enqueue({"tool_calls": [
        {"name": "log_activity", "args": {"account": "Acme Robotics", "kind": "call", "subject": "pricing"}},
        {"name": "log_activity", "args": {"account": "Acme Robotics", "kind": "call", "subject": "delivery"}}]})
    asked = app.chat("li.wei", "bulk", "log two calls with Acme: pricing and delivery")
    assert asked.confirmation["bulk"] and [a["tool"] for a in asked.confirmation["actions"]] == ["log_activity"] * 2
    assert set(changed_rows(before, snapshot(app.store))) <= BOOKKEEPING
    assert stage_of(app, deal.id) == deal.stage


def test_only_the_user_who_asked_may_confirm_over_http(app, scripted):
    deal = open_deal_of(app, "li.wei")
    with app.store.session() as s:
        rep, colleague, manager = (issue_token(s, who) for who in ("li.wei", "emma.chen", "zhao.lei"))
    closing(scripted, deal)
    with TestClient(create_app(app)) as client:
        asked = client.post("/v1/chat", json={"thread": "web", "message": f"close D-{deal.id} as won"},
                            headers={"Authorization": f"Bearer {rep}"}).json()
        pending = asked["confirmation"]["id"]
        assert asked["confirmation"]["tool"] == "move_deal_stage"
        for other in (colleague, manager):  # a rep of the same unit, and their manager
            refused = client.post(f"/v1/chat/confirmations/{pending}", json={"confirm": True},
                                  headers={"Authorization": f"Bearer {other}"})
            assert refused.status_code == 403, refused.text
        assert client.post(f"/v1/chat/confirmations/{pending}", json={"confirm": True}).status_code == 401
        assert client.post("/v1/chat/confirmations/nope", json={"confirm": True},
                           headers={"Authorization": f"Bearer {rep}"}).status_code == 404
        assert client.get("/v1/approvals", headers={"Authorization": f"Bearer {manager}"}).json() == []
        assert stage_of(app, deal.id) == deal.stage

        scripted.enqueue({"content": "Closed as won."})
        done = client.post(f"/v1/chat/confirmations/{pending}", json={"confirm": True},
                           headers={"Authorization": f"Bearer {rep}"})
        assert done.status_code == 200 and done.json()["reply"].startswith("Closed as won.")
        assert stage_of(app, deal.id) == "won"
        again = client.post(f"/v1/chat/confirmations/{pending}", json={"confirm": False},
                            headers={"Authorization": f"Bearer {rep}"})
        assert again.status_code == 409 and stage_of(app, deal.id) == "won"


def test_a_model_that_erases_for_a_question_is_stopped_and_nothing_is_queued(app, scripted):
    """"What happens if I delete my account?" read by a scripted LLM as an erasure: the plan is shown, nothing more."""
    before = snapshot(app.store)
    scripted.enqueue({"tool_calls": [{"name": "erase_my_data", "args": {"what": "everything"}}]})
    asked = app.chat("cust.chen.jing", "erase-q", "What happens if I delete my account?")
    assert asked.confirmation["tool"] == "erase_my_data" and "cannot be undone" in asked.reply
    scripted.enqueue({"content": "Your account and data would be erased; nothing has been done."})
    app.chat("cust.chen.jing", "erase-q", "ok thanks, just curious")
    assert app.erasures.drain() == []
    assert set(changed_rows(before, snapshot(app.store))) <= BOOKKEEPING


@pytest.mark.parametrize("login, answer, said", [
    ("li.wei", "no", "Nothing is waiting for a yes or no"),
    ("li.wei", "Yes.", "Nothing is waiting for a yes or no"),
    ("cust.li.na", "是的", "目前没有等您确认或拒绝的事项"),
])
def test_a_bare_yes_or_no_with_nothing_asked_changes_nothing_and_says_so(tessera, login, answer, said):
    before = snapshot(tessera.store)
    turn = tessera.chat(login, "fresh", answer)
    assert turn.tool_calls == [] and said in turn.reply  # never a list of every deal, never a write
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"privacy_audit_log", "privacy_audit_head",
                                                                  "turn_traces", "turn_journal"}


def test_a_no_after_a_plan_still_cancels_it(tessera):
    plan = tessera.chat("li.wei", "lost", "mark the Crescent Medical deal as lost, they went with a competitor")
    assert plan.confirmation is not None
    before = snapshot(tessera.store)
    turn = tessera.chat("li.wei", "lost", "no")
    assert turn.tool_calls == [] and "Nothing is waiting" not in turn.reply
    assert "deals" not in set(changed_rows(before, snapshot(tessera.store)))
