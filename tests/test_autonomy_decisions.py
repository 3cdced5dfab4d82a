"""Discount and quote decisions under a unit's autonomy contract, on the seeded demo company: each path
(accept, needs_evidence, reject, escalate), idempotency, and the pause-and-resume escalation contract."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from crm.autonomy.catalog import active_contract
from crm.autonomy.engine import decide
from crm.autonomy.escalation import NeedsApproval
from crm.autonomy.models import AutonomyAudit, BudgetPool, ContractDecision
from crm.models import Deal, SalesUnit
from crm.store import Store
from tests.autonomy_support import (LATER, TODAY, call, clean, find_deal, units_dir,  # noqa: F401
                                    ustore)

UNIT = "east-enterprise"  # li.wei's unit, on the medical-devices contract: auto up to 6%, evidence above 5%,
                          # at most 15%, margin floor 22%, promised delivery dates required, escalations to zhao.lei


def discount_used(store, unit=UNIT) -> float:
    with store.session() as s:
        return float(s.scalar(select(func.sum(BudgetPool.used_amount)).join(SalesUnit, SalesUnit.id == BudgetPool.unit_id)
                              .where(SalesUnit.code == unit, BudgetPool.pool == "discount")) or 0)


def deal_amount(store, ref: str) -> float:
    with store.session() as s:
        return float(s.get(Deal, int(ref.removeprefix("D-"))).amount)


def decisions(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(ContractDecision))


def test_a_small_discount_for_a_good_payer_is_accepted_booked_and_applied(ustore):
    facts = find_deal(ustore, UNIT, 4, lambda f: clean(f) and f.new_margin > 0.25)
    result = call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=4, promised_on=LATER.isoformat())
    assert result["ok"] and result["outcome"] == "accept", result
    assert result["record"]["booked"] == pytest.approx(facts.discount_value)
    assert discount_used(ustore) == pytest.approx(facts.discount_value)
    assert deal_amount(ustore, facts.deal) == pytest.approx(facts.new_amount)
    assert result["numbers"]["new_margin"] == pytest.approx(facts.new_margin)
    assert any("keeps the floor 22%" in r for r in result["reasons"])
    assert any("within the unit's own approval limit 6%" in r for r in result["reasons"])


def test_the_same_request_twice_books_once(ustore):
    facts = find_deal(ustore, UNIT, 3, lambda f: clean(f) and f.new_margin > 0.25)
    first = call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=3, promised_on=LATER.isoformat())
    again = call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=3, promised_on=LATER.isoformat())
    assert first["outcome"] == again["outcome"] == "accept"
    assert again["decision_id"] == first["decision_id"] and again["repeated"]
    assert discount_used(ustore) == pytest.approx(facts.discount_value)
    assert deal_amount(ustore, facts.deal) == pytest.approx(facts.new_amount)  # discounted once, not twice


def test_a_missing_delivery_promise_is_named_as_the_evidence_needed(ustore):
    facts = find_deal(ustore, UNIT, 4, lambda f: clean(f) and f.new_margin > 0.25)
    result = call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=4)
    assert result["outcome"] == "needs_evidence"
    assert result["missing_evidence"] == [f"the promised delivery date ({facts.product} takes "
                                          f"{facts.lead_time_days} days)"]
    assert discount_used(ustore) == 0


def test_a_bigger_discount_without_a_competitor_price_or_reason_needs_both(ustore):
    facts = find_deal(ustore, UNIT, 6, lambda f: clean(f) and f.competitor_price is None and f.new_margin > 0.25)
    result = call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=6, promised_on=LATER.isoformat())
    assert result["outcome"] == "needs_evidence"
    assert any(f"competitor price for {facts.product} in region east" in m for m in result["missing_evidence"])
    assert any("reason" in m for m in result["missing_evidence"])


def test_evidence_supplied_later_turns_the_same_request_into_a_decision(ustore):
    facts = find_deal(ustore, UNIT, 6, lambda f: clean(f) and f.competitor_price is None and f.new_margin > 0.25)
    first = call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=6, promised_on=LATER.isoformat())
    recorded = call(ustore, "li.wei", "record_competitor_price", product=facts.product,
                    price=round(facts.unit_price_after * 1.02, 2), competitor="HubSpot")
    assert recorded["ok"], recorded
    second = call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=6, promised_on=LATER.isoformat(),
                  reason="HubSpot offered 2% above our discounted price")
    assert first["outcome"] == "needs_evidence" and second["outcome"] == "accept", second["reasons"]
    assert second["decision_id"] == first["decision_id"]  # one request, decided again once the evidence came


def test_a_discount_that_breaks_the_margin_floor_is_rejected_with_the_rule_and_numbers(ustore):
    facts = find_deal(ustore, UNIT, 10, lambda f: clean(f) and f.new_margin < 0.22 and f.amount > 0)
    result = call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=10, promised_on=LATER.isoformat(),
                  reason="price match")
    assert result["outcome"] == "reject" and result["rule"] == "outcome_limits.margin_floor"
    assert result["numbers"]["new_margin"] < 0.22
    assert any(r.startswith("REJECT outcome_limits.margin_floor") for r in result["reasons"])
    assert deal_amount(ustore, facts.deal) == pytest.approx(facts.amount) and discount_used(ustore) == 0


def test_a_customer_with_a_written_off_payment_gets_no_discount(ustore):
    facts = find_deal(ustore, UNIT, 3, lambda f: f.defaulted_payments > 0)
    result = call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=3, promised_on=LATER.isoformat())
    assert result["outcome"] == "reject" and "payment.allow_defaulted" in result["done"]
    assert result["numbers"]["defaulted_payments"] == facts.defaulted_payments


def test_a_delivery_promise_the_supply_cannot_keep_is_rejected(ustore):
    tomorrow = TODAY + dt.timedelta(days=1)
    facts = find_deal(ustore, UNIT, 3, lambda f: clean(f) and f.lead_time_days >= 7, promised_on=tomorrow)
    result = call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=3, promised_on=tomorrow.isoformat())
    assert result["outcome"] == "reject" and result["rule"] == "supply.lead_time"
    assert result["numbers"]["earliest_delivery"] > tomorrow.isoformat()


def test_a_closed_deal_gets_no_discount(ustore):
    with ustore.session() as s:
        won = s.scalar(select(Deal.id).join(SalesUnit, SalesUnit.id == Deal.unit_id)
                       .where(SalesUnit.code == UNIT, Deal.stage == "won").order_by(Deal.id))
    result = call(ustore, "li.wei", "request_discount", deal=f"D-{won}", percent=3, promised_on=LATER.isoformat())
    assert not result["ok"] and "already won" in result["error"] and decisions(ustore) == 0


def test_a_discount_above_the_contract_maximum_is_rejected(ustore):
    facts = find_deal(ustore, UNIT, 16, lambda f: True)
    result = call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=16, promised_on=LATER.isoformat())
    assert result["outcome"] == "reject" and result["rule"] == "discount.max_percent"


def test_an_exhausted_budget_rejects_the_discount(ustore):
    cloned = call(ustore, "zhao.lei", "clone_contract_template", template="medical-devices", unit=UNIT,
                  params={"discount_budget": "500"})
    assert cloned["ok"] and cloned["record"]["version"] == 2
    facts = find_deal(ustore, UNIT, 4, lambda f: clean(f) and f.new_margin > 0.25 and f.discount_value > 500)
    result = call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=4, promised_on=LATER.isoformat())
    assert result["outcome"] == "reject" and result["rule"] == "budgets.discount"
    assert result["numbers"]["budget_left"] == 500


def _escalating(ustore):
    """A clean customer, a competitor price that justifies 8%, a reason: only the 6% approval limit is in the way."""
    return find_deal(ustore, UNIT, 8, lambda f: clean(f) and not f.new_customer and f.competitor_price is not None
                     and f.unit_price_after >= f.competitor_price * 0.95 and f.new_margin > 0.25)


def test_a_discount_above_the_units_limit_pauses_for_the_approver_and_resumes_once(ustore):
    facts = _escalating(ustore)
    args = dict(deal=facts.deal, percent=8, promised_on=LATER.isoformat(), reason="matching a rival's offer")
    with pytest.raises(NeedsApproval) as paused:
        call(ustore, "li.wei", "request_discount", **args)
    payload = paused.value.payload
    assert payload["approver"] == "zhao.lei" and payload["rule"] == "discount.auto_approve_max_percent"
    assert payload["request"] == {"deal": facts.deal, "percent": 8, "reason": "matching a rival's offer"}
    assert discount_used(ustore) == 0 and decisions(ustore) == 1

    with pytest.raises(NeedsApproval) as rerun:  # the graph runs the node again on resume: same pending decision
        call(ustore, "li.wei", "request_discount", **args)
    assert rerun.value.payload["decision_id"] == payload["decision_id"] and decisions(ustore) == 1

    done = rerun.value.resume({"approved": True, "approver": "zhao.lei", "note": "strategic account"})
    assert done["ok"] and done["outcome"] == "accept" and "decided by zhao.lei" in done["done"]
    again = paused.value.resume({"approved": True, "approver": "zhao.lei", "note": "strategic account"})
    assert again["decision_id"] == done["decision_id"] and again["outcome"] == "accept"
    assert discount_used(ustore) == pytest.approx(facts.discount_value)  # booked once
    assert deal_amount(ustore, facts.deal) == pytest.approx(facts.new_amount)
    after = call(ustore, "li.wei", "request_discount", **args)  # asked again later: the decision stands
    assert after["outcome"] == "accept" and after["repeated"]
    with ustore.session() as s:
        assert s.scalar(select(AutonomyAudit.event).where(AutonomyAudit.actor == "zhao.lei")) == "escalation_resolved"


def test_a_pending_escalation_survives_a_restart_and_resumes_from_a_fresh_process_state(ustore, units_dir):
    facts = _escalating(ustore)
    args = dict(deal=facts.deal, percent=8, promised_on=LATER.isoformat(), reason="rival offer")
    with pytest.raises(NeedsApproval) as before_restart:
        call(ustore, "li.wei", "request_discount", **args)
    ustore.dispose()
    restarted = Store(f"sqlite:///{units_dir / 'tessera.db'}")  # a new process: nothing kept in memory
    try:
        with pytest.raises(NeedsApproval) as after_restart:
            call(restarted, "li.wei", "request_discount", **args)
        assert after_restart.value.payload == before_restart.value.payload
        done = after_restart.value.resume({"approved": True, "approver": "zhao.lei", "note": ""})
        assert done["outcome"] == "accept" and discount_used(restarted) == pytest.approx(facts.discount_value)
    finally:
        restarted.dispose()


def test_a_declined_escalation_books_nothing(ustore):
    facts = _escalating(ustore)
    with pytest.raises(NeedsApproval) as paused:
        call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=8, promised_on=LATER.isoformat(),
             reason="rival offer")
    done = paused.value.resume({"approved": False, "approver": "zhao.lei", "note": "hold the price"})
    assert done["outcome"] == "reject" and done["rule"] == "approver"
    assert discount_used(ustore) == 0 and deal_amount(ustore, facts.deal) == pytest.approx(facts.amount)


def test_only_a_manager_may_resume_an_escalation(ustore):
    facts = _escalating(ustore)
    with pytest.raises(NeedsApproval) as paused:
        call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=8, promised_on=LATER.isoformat(),
             reason="rival offer")
    refused = paused.value.resume({"approved": True, "approver": "emma.chen", "note": "ok by me"})
    assert not refused["ok"] and "zhao.lei" in refused["error"]
    assert discount_used(ustore) == 0


def test_a_late_payer_goes_to_a_person(ustore):
    facts = find_deal(ustore, UNIT, 3, lambda f: f.defaulted_payments == 0 and f.max_days_late > 30)
    with pytest.raises(NeedsApproval) as paused:
        call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=3, promised_on=LATER.isoformat())
    assert paused.value.payload["rule"] == "payment.max_days_late"
    assert paused.value.payload["numbers"]["max_days_late"] == facts.max_days_late


def test_a_quote_within_the_units_limits_is_approved_without_booking(ustore):
    facts = find_deal(ustore, UNIT, 0, lambda f: clean(f) and f.new_margin > 0.25 and f.new_amount < 800000
                      and f.list_discount_percent <= 20, kind="quote")
    result = call(ustore, "li.wei", "approve_quote", deal=facts.deal, promised_on=LATER.isoformat())
    assert result["outcome"] == "accept" and result["record"]["booked"] == 0
    assert discount_used(ustore) == 0


def test_a_quote_above_the_units_approval_amount_is_escalated(ustore):
    facts = find_deal(ustore, UNIT, 0, lambda f: clean(f) and f.new_margin > 0.25 and f.new_amount > 800000
                      and f.list_discount_percent <= 20, kind="quote")
    with pytest.raises(NeedsApproval) as paused:
        call(ustore, "li.wei", "approve_quote", deal=facts.deal, promised_on=LATER.isoformat())
    assert paused.value.payload["rule"] == "quote.auto_approve_max_amount"


def test_the_acquisition_exemption_lets_a_quick_cheap_new_customer_through(ustore):
    """'Acquisition cost at most 800 and signing within 15 days takes effect automatically' (engine, real facts)."""
    facts = _escalating(ustore)
    with ustore.session() as s:
        _, contract = active_contract(s, s.scalar(select(SalesUnit.id).where(SalesUnit.code == UNIT)))
    small = facts.model_copy(update={"new_customer": True, "discount_value": 780.0, "cycle_days": 12})
    assert decide(contract, small).outcome == "accept"
    assert decide(contract, small.model_copy(update={"cycle_days": 16})).outcome == "escalate"
    assert decide(contract, small.model_copy(update={"discount_value": 801.0})).outcome == "escalate"
