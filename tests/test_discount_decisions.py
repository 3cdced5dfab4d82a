"""A rep asks "was the discount on D-301 approved?": the decisions already taken on their unit's deals (outcome, who
decided, when, why) are read, never another unit's, and asking writes nothing. The competitor prices the unit
recorded are read the same way."""
from __future__ import annotations

import pytest

from crm.autonomy.escalation import NeedsApproval
from tests.autonomy_support import LATER, call, clean, find_deal, ustore, units_dir  # noqa: F401
from tests.security.erasure_support import changed_rows, snapshot
from tests.test_sales_tools import call as call_tool

UNIT = "east-enterprise"  # li.wei's and emma.chen's unit; james.liu is in south-retail


def test_a_deal_without_decisions_says_so_and_reading_writes_nothing(tessera):
    before = snapshot(tessera.store)
    result = call_tool(tessera, "wang.fang", "discount_decisions", deal="D-301")
    assert result["ok"] and result["items"] == [] and result["about"]["deal"] == "D-301"
    assert changed_rows(before, snapshot(tessera.store)) == {}


def test_a_decision_taken_by_the_contract_shows_its_outcome_when_and_why(tessera, ustore):
    facts = find_deal(ustore, UNIT, 3, lambda f: clean(f) and f.new_margin > 0.25 and not f.new_customer)
    requested = call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=3, promised_on=LATER.isoformat(),
                     reason="loyal customer")
    before = snapshot(ustore)
    [row] = call_tool(tessera, "emma.chen", "discount_decisions", deal=facts.deal)["items"]  # a colleague of the unit
    assert (row["deal"], row["outcome"], row["percent"]) == (facts.deal, requested["outcome"], "3%")
    assert row["decided_by"] == "contract" and row["decided_at"] == "2026-11-26 10:00"
    assert row["requested_by"] == "李伟" and row["why"].startswith("accepted by contract")
    assert changed_rows(before, snapshot(ustore)) == {}


def test_an_approvers_decision_names_the_approver_and_the_note_and_a_pending_one_nobody(tessera, ustore):
    facts = find_deal(ustore, UNIT, 8, lambda f: clean(f) and not f.new_customer and f.competitor_price is not None
                      and f.unit_price_after >= f.competitor_price * 0.95 and f.new_margin > 0.25)
    with pytest.raises(NeedsApproval) as paused:
        call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=8, promised_on=LATER.isoformat(),
             reason="rival offer")
    [waiting] = call_tool(tessera, "li.wei", "discount_decisions", deal=facts.deal, outcome="escalated")["items"]
    assert waiting["decided_by"] is None and waiting["decided_at"] is None and "escalated to" in waiting["why"]
    paused.value.resume({"approved": False, "approver": "zhao.lei", "note": "hold the price until Q1"})
    [declined] = call_tool(tessera, "li.wei", "discount_decisions", deal=facts.deal)["items"]
    assert (declined["outcome"], declined["decided_by"], declined["why"]) == ("reject", "赵磊", "hold the price until Q1")


def test_another_units_rep_sees_none_of_the_decisions(tessera, ustore):
    facts = find_deal(ustore, UNIT, 3, lambda f: clean(f) and f.new_margin > 0.25 and not f.new_customer)
    call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=3, promised_on=LATER.isoformat())
    asked_by_deal = call_tool(tessera, "james.liu", "discount_decisions", deal=facts.deal)
    assert not asked_by_deal["ok"] and facts.deal in asked_by_deal["error"]  # not among the deals he can see
    everything = call_tool(tessera, "james.liu", "discount_decisions")
    assert everything["ok"] and everything["items"] == []
    assert call_tool(tessera, "li.wei", "discount_decisions", mine=True)["total"] == 1
    assert call_tool(tessera, "emma.chen", "discount_decisions", mine=True)["total"] == 0
    customer = call_tool(tessera, "cust.mark.taylor", "discount_decisions", deal=facts.deal)
    assert not customer["ok"] and "items" not in customer


@pytest.mark.parametrize("question", ["was the discount on D-301 approved?", "D-301的折扣批了吗"])
def test_asking_whether_a_discount_was_approved_reads_the_decisions_and_writes_nothing(tessera, question):
    before = snapshot(tessera.store)
    turn = tessera.chat("wang.fang", "t", question)
    assert [c["name"] for c in turn.tool_calls] == ["discount_decisions"], turn.reply
    assert turn.tool_calls[0]["args"].get("deal") == "D-301" and "D-301" in turn.reply
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "privacy_audit_log"}


def test_the_competitor_prices_read_are_the_units_own(tessera):
    before = snapshot(tessera.store)
    north = call_tool(tessera, "wang.fang", "competitor_prices")
    south = call_tool(tessera, "james.liu", "competitor_prices")
    assert north["ok"] and north["items"] and {r["unit"] for r in north["items"]} == {"north-industry"}
    assert {r["unit"] for r in south["items"]} == {"south-retail"}
    one = north["items"][0]
    only = call_tool(tessera, "wang.fang", "competitor_prices", product=one["product"])
    assert only["items"] and {r["product"] for r in only["items"]} == {one["product"]}
    assert changed_rows(before, snapshot(tessera.store)) == {}
