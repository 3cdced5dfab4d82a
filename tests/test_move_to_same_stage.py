"""Moving a deal to the stage it is already at: Tessera says so and writes nothing, in the user's language."""
from __future__ import annotations

import datetime as dt

from crm.actor import Actor
from crm.logins import active_actor
from crm.models import Deal
from crm.services.deals import close_plan, move_deal_stage
from tests.security.erasure_support import changed_rows, snapshot
from tests.test_multi_step import BOOKKEEPING, biggest_open_deal


def _actor(store, login: str = "li.wei") -> Actor:
    with store.session() as s:
        return active_actor(s, login)


def test_moving_a_deal_to_its_own_stage_changes_no_row(tessera):
    target = biggest_open_deal(tessera, "海天电子")
    before = snapshot(tessera.store)
    with tessera.store.session() as s:
        result = move_deal_stage(s, _actor(tessera.store), deal=f"D-{target.id}", stage=target.stage,
                                 today=dt.date(2026, 11, 30))
    assert result["unchanged"] is True and result["already"] == target.stage
    assert "done" not in result
    assert changed_rows(before, snapshot(tessera.store)) == {}


def test_closing_a_deal_that_is_already_won_asks_for_no_confirmation(tessera):
    with tessera.store.session() as s:
        won = s.query(Deal).filter(Deal.stage == "won").order_by(Deal.id).first()
        manager = _actor(tessera.store, "zhao.lei")
        assert close_plan(s, manager, deal=f"D-{won.id}", stage="won") is None


def test_the_biggest_deal_moved_to_the_stage_it_is_at_is_reported_in_chinese_and_not_written(tessera):
    target = biggest_open_deal(tessera, "海天电子")
    zh = {"lead": "线索", "qualified": "已确认", "proposal": "方案", "negotiation": "谈判"}[target.stage]
    before = snapshot(tessera.store)
    turn = tessera.chat("li.wei", "same-stage", f"把海天电子那个最大的商机推进到{zh}阶段")
    assert [c["name"] for c in turn.tool_calls] == ["find_deals", "move_deal_stage"], turn.reply
    assert turn.tool_calls[1]["args"]["deal"] == f"D-{target.id}"  # the biggest OPEN deal of the account
    assert set(changed_rows(before, snapshot(tessera.store))) <= BOOKKEEPING - {"undo_log"}
    assert f"已经处于{zh}阶段" in turn.reply and "没有做任何改动" in turn.reply
    for english_label in ("title:", "account:", "owner:", "expected_close:"):
        assert english_label not in turn.reply
    assert not turn.undo_ids
