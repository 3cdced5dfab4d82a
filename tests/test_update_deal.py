"""Changing a deal's expected close date or amount: the value changes and nothing else does; undo restores it; a
large change of the amount is confirmed first; another unit's deal and a closed deal are refused; a question about a
deal's close date writes nothing."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.models import Deal, User
from tessera.runtime import Tessera
from tests.conftest import FIXED_NOW
from tests.security.erasure_support import changed_rows, snapshot
from tools.base import ToolContext
from tools.registry import ALL

BOOKKEEPING = {"undo_log", "turn_traces", "pending_approvals", "privacy_audit_log", "turns_in_flight",
               "idempotent_turns", "autonomy_audit", "data_versions"}


def call(app: Tessera, login: str, turn: str = "turn-1", tool: str = "update_deal", **args) -> dict:
    ctx = ToolContext(store=app.store, actor=app.actor(login), clock=lambda: FIXED_NOW, turn_id=turn)
    return ALL[tool].invoke(ctx, args)


def plan(app: Tessera, login: str, **args) -> dict | None:
    ctx = ToolContext(store=app.store, actor=app.actor(login), clock=lambda: FIXED_NOW)
    return ALL["update_deal"].plan(ctx, args)


def business(store) -> dict:
    return {t: rows for t, rows in snapshot(store).items() if t not in BOOKKEEPING}


def deal(app: Tessera, deal_id: int) -> Deal:
    with app.store.session() as s:
        found = s.get(Deal, deal_id)
        s.expunge(found)
        return found


def an_open_deal(app: Tessera, login: str, closed: bool = False) -> Deal:
    with app.store.session() as s:
        owner = s.scalar(select(User).where(User.login == login))
        stages = ("won", "lost") if closed else ("lead", "qualified", "proposal", "negotiation")
        found = s.scalars(select(Deal).where(Deal.owner_id == owner.id, Deal.stage.in_(stages))
                          .order_by(Deal.id)).first()
        s.expunge(found)
        return found


def test_the_close_date_changes_and_no_other_field_or_deal_does_and_undo_restores_it(tessera):
    target = an_open_deal(tessera, "li.wei")
    before = business(tessera.store)
    new_day = dt.date(2027, 1, 15)
    done = call(tessera, "li.wei", deal=f"D-{target.id}", expected_close=new_day.isoformat())
    assert done["ok"], done
    assert {"record": f"D-{target.id}", "field": "expected_close", "old": target.expected_close.isoformat(),
            "new": new_day.isoformat()} in done["written"]
    assert done["undo"]["id"]  # a close date needs no confirmation and can be taken back
    changed = changed_rows(before, business(tessera.store))
    assert set(changed) == {"deals"} and changed["deals"] == {(target.id,)}
    after = deal(tessera, target.id)
    assert after.expected_close == new_day
    assert (after.amount, after.margin, after.stage, after.owner_id, after.closed_on) == (
        target.amount, target.margin, target.stage, target.owner_id, target.closed_on)

    undone = call(tessera, "li.wei", turn="turn-2", tool="undo_last")
    assert undone["ok"], undone
    assert business(tessera.store) == before


def test_a_new_amount_carries_the_margin_and_a_reason_is_kept_as_a_note_on_the_deal(tessera):
    target = an_open_deal(tessera, "li.wei")
    amount = (Decimal(target.amount) * Decimal("1.1")).quantize(Decimal("1"))  # a small rise: no confirmation
    assert plan(tessera, "li.wei", deal=f"D-{target.id}", amount=float(amount)) == {"ok": True, "plan": None}
    before = business(tessera.store)
    done = call(tessera, "li.wei", deal=f"D-{target.id}", amount=float(amount), reason="they added a second site")
    assert done["ok"], done
    after = deal(tessera, target.id)
    assert after.amount == amount and after.cost == target.cost
    assert after.margin == ((amount - Decimal(target.cost)) / amount).quantize(Decimal("0.0001"))
    assert after.expected_close == target.expected_close and after.stage == target.stage
    changed = changed_rows(before, business(tessera.store))
    assert set(changed) == {"deals", "activities"} and changed["deals"] == {(target.id,)}
    with tessera.store.session() as s:
        from crm.models import Activity
        note = s.scalars(select(Activity).where(Activity.deal_id == target.id).order_by(Activity.id.desc())).first()
        assert note.kind == "note" and note.body == "they added a second site" and "amount" in note.subject


@pytest.mark.parametrize("factor", ["1.5", "0.7"])
def test_a_large_change_of_the_amount_is_shown_as_a_plan_first_and_a_cut_is_told_apart_from_a_discount(
        tessera, factor):
    target = an_open_deal(tessera, "li.wei")
    amount = float((Decimal(target.amount) * Decimal(factor)).quantize(Decimal("1")))
    before = snapshot(tessera.store)
    planned = plan(tessera, "li.wei", deal=f"D-{target.id}", amount=amount)
    assert planned["ok"] and planned["plan"]["changes"][0]["field"] == "amount"
    assert ("discount" in planned["plan"]["summary"]) is (factor == "0.7")
    assert planned["plan"]["undo"] is None
    assert changed_rows(before, snapshot(tessera.store)) == {}  # the plan reads only


def test_another_units_deal_is_refused_and_nothing_is_written(tessera):
    with tessera.store.session() as s:
        li_wei = s.scalar(select(User).where(User.login == "li.wei"))
        other = s.scalars(select(Deal).where(Deal.unit_id != li_wei.unit_id, Deal.stage == "proposal")
                          .order_by(Deal.id)).first()
        other_id = other.id
    before = snapshot(tessera.store)
    refused = call(tessera, "li.wei", deal=f"D-{other_id}", expected_close="2027-02-01")
    assert refused["ok"] is False and f"D-{other_id}" in refused["error"]
    assert changed_rows(before, snapshot(tessera.store)) == {}


def test_a_closed_deal_a_past_date_and_no_change_at_all_are_refused_without_writing(tessera):
    target = an_open_deal(tessera, "li.wei")
    closed = an_open_deal(tessera, "li.wei", closed=True)
    before = snapshot(tessera.store)
    assert call(tessera, "li.wei", deal=f"D-{closed.id}", amount=1000.0)["error_kind"] == "deal_closed"
    assert call(tessera, "li.wei", deal=f"D-{target.id}", expected_close="2026-11-01")["error_kind"] == "close_in_past"
    assert call(tessera, "li.wei", deal=f"D-{target.id}")["error_kind"] == "nothing_to_change"
    assert call(tessera, "cust.mark.taylor", deal=f"D-{target.id}", amount=5.0)["error_kind"] == "staff_only"
    assert changed_rows(before, snapshot(tessera.store)) == {}


def test_asking_a_deals_close_date_in_chat_writes_nothing(tessera):
    before = business(tessera.store)
    for n, question in enumerate(["what's the close date of D-2017?", "D-1925预计什么时候成交？",
                                  "can the amount of D-1925 still be changed?"]):
        turn = tessera.chat("li.wei", f"ask-{n}", question)
        assert not turn.written and not turn.confirmation, (question, turn.reply)
    assert business(tessera.store) == before


def test_a_request_in_chat_writes_the_new_close_date_and_says_old_and_new(tessera):
    turn = tessera.chat("li.wei", "push", "push D-2017's close date to 15 Jan")
    assert [c["name"] for c in turn.tool_calls] == ["update_deal"], turn.reply
    assert deal(tessera, 2017).expected_close == dt.date(2027, 1, 15)
    assert "2027-01-15" in turn.reply and turn.undo_ids
