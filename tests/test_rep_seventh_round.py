"""Reps' requests of session 7 through the offline model, end to end on the seeded store, each checked against what
must stay unchanged: a call still ahead logs nothing; "their company" with no customer named asks which account and
writes nothing until told, then writes only the task or case; deleting a record is refused with nothing looked up; a
deal's value bumped by an amount or a share changes that deal's amount (and margin) and nothing else."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from crm.models import Deal, User
from tessera.runtime import Tessera
from tests.security.erasure_support import changed_rows, snapshot

BOOKKEEPING = {"undo_log", "turn_traces", "pending_approvals", "privacy_audit_log", "turns_in_flight",
               "idempotent_turns", "autonomy_audit", "data_versions", "note_changes"}


def business(store) -> dict:
    return {t: rows for t, rows in snapshot(store).items() if t not in BOOKKEEPING}


def changed(app: Tessera, before: dict) -> dict:
    return changed_rows(before, business(app.store))


def test_a_call_still_ahead_is_read_about_and_nothing_is_logged(tessera):
    before = business(tessera.store)
    for n, message in enumerate(["下午要和海天电子通电话，先给我讲讲他们的情况",
                                 "I'm going to call Crescent Medical later today, give me an overview of the account first"]):
        turn = tessera.chat("emma.chen" if n == 0 else "li.wei", f"ahead-{n}", message)
        # "讲讲他们的情况" with a call ahead is the call's prep (as rep_deal_changes reads it); "an overview" the summary
        assert [c["name"] for c in turn.tool_calls] == ["prep_meeting" if n == 0 else "account_summary"], turn.tool_calls
        assert not turn.written
    assert changed(tessera, before) == {}


def test_a_task_for_their_company_asks_which_account_then_writes_only_that_task(tessera):
    before = business(tessera.store)
    asked = tessera.chat("wang.fang", "their", "set up a follow-up with the buyer at their company next Tuesday")
    assert not asked.tool_calls and "account" in asked.reply.lower()
    assert changed(tessera, before) == {}
    done = tessera.chat("wang.fang", "their", "Globex Logistics")
    assert [c["name"] for c in done.tool_calls] == ["create_task"], done.tool_calls
    title = done.written[0]["new"]
    assert title.startswith("Follow-up with the buyer") and not title.lower().startswith("up "), title
    assert set(changed(tessera, before)) == {"tasks"} and len(changed(tessera, before)["tasks"]) == 1


def test_a_case_about_their_gateway_asks_which_account_and_a_named_account_before_needs_no_question(tessera):
    before = business(tessera.store)
    asked = tessera.chat("li.wei", "case", "open a case: their gateway keeps failing")
    assert not asked.tool_calls and changed(tessera, before) == {}
    done = tessera.chat("li.wei", "case", "Acme Robotics")
    assert [(c["name"], c["args"].get("account")) for c in done.tool_calls] == [("open_case", "Acme Robotics")]
    assert set(changed(tessera, before)) == {"cases"}
    tessera.chat("li.wei", "named", "give me an overview of Acme Robotics")
    carried = tessera.chat("li.wei", "named", "open a case: their gateway keeps failing")
    assert [(c["name"], c["args"].get("account")) for c in carried.tool_calls] == [("open_case", "Acme Robotics")]


def test_deleting_an_account_or_a_deal_is_refused_plainly_and_nothing_is_read_or_written(tessera):
    before = business(tessera.store)
    said = tessera.chat("li.wei", "del", "delete the Acme Robotics account")
    assert not said.tool_calls and "can't delete accounts" in said.reply
    said = tessera.chat("emma.chen", "del-zh", "把海天电子这个客户删掉")
    assert not said.tool_calls and "不能" in said.reply and "删除客户" in said.reply
    assert changed(tessera, before) == {}


def test_my_biggest_deal_bumped_by_5k_changes_its_amount_and_margin_and_nothing_else(tessera):
    with tessera.store.session() as s:
        owner = s.scalar(select(User).where(User.login == "james.liu"))
        biggest = s.scalars(select(Deal).where(Deal.owner_id == owner.id,
                                               Deal.stage.notin_(("won", "lost"))).order_by(Deal.amount.desc())).first()
        old_amount = biggest.amount
    before = business(tessera.store)
    turn = tessera.chat("james.liu", "bump", "can you bump the value of my biggest deal by 5k?")
    if turn.confirmation:
        turn = tessera.chat("james.liu", "bump", "yes")
    calls = [(c["name"], c["args"]) for c in turn.tool_calls]
    assert [n for n, _ in calls][-1] == "update_deal", calls
    with tessera.store.session() as s:
        assert s.get(Deal, biggest.id).amount == old_amount + Decimal(5000)
    assert changed(tessera, before) == {"deals": {(biggest.id,)}}
    assert "Written:" in turn.reply and f"{old_amount + 5000:,.0f}" in turn.reply


def test_lowering_a_deals_value_by_a_share_is_not_a_discount_request(tessera):
    before = business(tessera.store)
    turn = tessera.chat("li.wei", "lower", "lower D-2017's value by 10%")
    if turn.confirmation:
        turn = tessera.chat("li.wei", "lower", "yes")
    assert [c["name"] for c in turn.tool_calls] == ["find_deals", "update_deal"], turn.tool_calls
    with tessera.store.session() as s:
        assert s.get(Deal, 2017).amount == Decimal("297043.20")
    assert changed(tessera, before) == {"deals": {(2017,)}}
