"""An approver sees in chat what waits for their decision and decides it in words; the requester's paused
conversation then continues, exactly as with a Slack button or the HTTP route."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.autonomy.models import BudgetPool, ContractDecision
from crm.models import Deal
from tests.autonomy_support import LATER
from tests.test_approvals_graph import escalating_deal


@pytest.fixture
def escalated(tessera):
    """李伟 asks for 8% off a deal of east-enterprise that its contract hands to the manager, 赵磊 (zhao.lei)."""
    deal = escalating_deal(tessera.store)
    asked = tessera.chat("li.wei", "discount", f"request an 8% discount on {deal}, delivery promised for {LATER}")
    assert asked.confirmation is not None and asked.confirmation["tool"] == "request_discount", asked.reply
    paused = tessera.chat("li.wei", "discount", "yes")
    assert paused.approval is not None and paused.approval["payload"]["approver"] == "zhao.lei", paused.reply
    return deal, paused.approval["id"]


def decision_on(tessera, deal: str) -> ContractDecision:
    with tessera.store.session() as s:
        return s.scalars(select(ContractDecision).where(ContractDecision.request["deal"].as_string() == deal)
                         .order_by(ContractDecision.id.desc())).first()


def amounts(tessera) -> dict[int, float]:
    with tessera.store.session() as s:
        return dict(s.execute(select(Deal.id, Deal.amount)).all())


def budget_used(tessera) -> float:
    with tessera.store.session() as s:
        return float(s.scalar(select(func.sum(BudgetPool.used_amount))) or 0)


def test_the_manager_asks_what_waits_and_finds_the_reps_request(tessera, escalated):
    deal, approval_id = escalated
    before = budget_used(tessera)
    waiting = tessera.chat("zhao.lei", "desk", "anything waiting for my approval?")
    assert [c["name"] for c in waiting.tool_calls] == ["approvals_waiting"]
    assert deal in waiting.reply and "李伟" in waiting.reply and approval_id in waiting.reply
    assert tessera.approvals.get(approval_id).status == "pending"  # asking decides nothing
    assert budget_used(tessera) == before


def test_approve_it_shows_the_plan_then_yes_books_the_discount_and_nothing_else(tessera, escalated):
    deal, approval_id = escalated
    tessera.chat("zhao.lei", "desk", "anything waiting for my approval?")
    others, used = amounts(tessera), budget_used(tessera)
    plan = tessera.chat("zhao.lei", "desk", "approve it")
    assert plan.confirmation is not None and plan.confirmation["tool"] == "decide_approval", plan.reply
    assert deal in plan.reply and "李伟" in plan.reply
    assert tessera.approvals.get(approval_id).status == "pending"  # nothing decided before the yes
    assert decision_on(tessera, deal).outcome == "escalated"

    done = tessera.chat("zhao.lei", "desk", "yes")
    assert "Approved" in done.reply and deal in done.reply
    assert tessera.approvals.get(approval_id).status == "approved"
    decided = decision_on(tessera, deal)
    assert decided.outcome == "accept" and decided.approver == "zhao.lei" and decided.booked > 0
    assert budget_used(tessera) == pytest.approx(used + float(decided.booked))
    after, target = amounts(tessera), int(deal.removeprefix("D-"))
    assert float(after.pop(target)) == pytest.approx(float(others.pop(target)) * 0.92, abs=0.01)  # 8% off this deal
    assert after == others  # and no other deal moved
    # the rep's paused conversation went on with the decision
    state = tessera.graph.get_state(tessera.config(tessera.actor("li.wei"), "discount"))
    assert not state.interrupts and state.values["messages"][-1].content


def test_reject_with_a_reason_books_nothing_and_keeps_the_reason(tessera, escalated):
    deal, approval_id = escalated
    used = budget_used(tessera)
    plan = tessera.chat("zhao.lei", "desk", f"reject the discount on {deal}, the margin is too thin")
    assert plan.confirmation is not None and plan.confirmation["args"]["decision"] == "reject", plan.reply
    done = tessera.chat("zhao.lei", "desk", "yes")
    assert "Rejected" in done.reply
    assert tessera.approvals.get(approval_id).status == "rejected"
    decided = decision_on(tessera, deal)
    assert decided.outcome == "reject" and not decided.booked
    assert "margin" in (decided.note or "")
    assert budget_used(tessera) == used


def test_another_regions_manager_has_nothing_to_decide_and_changes_nothing(tessera, escalated):
    deal, approval_id = escalated
    used = budget_used(tessera)
    waiting = tessera.chat("olivia.wang", "desk", "what do I need to approve?")
    assert approval_id not in waiting.reply and deal not in waiting.reply
    tried = tessera.chat("olivia.wang", "desk", f"approve the discount on {deal}")
    tessera.chat("olivia.wang", "desk", "yes")
    assert tried.confirmation is None
    assert tessera.approvals.get(approval_id).status == "pending"
    assert decision_on(tessera, deal).outcome == "escalated" and budget_used(tessera) == used


def test_a_rep_cannot_decide_through_the_desk(tessera, escalated):
    deal, approval_id = escalated
    with pytest.raises(LookupError, match="nothing is waiting"):  # the desk offers a person only what they decide
        tessera.desk.claim(tessera.actor("emma.chen"), deal, True, "", turn_id="t-rep")
    with pytest.raises(PermissionError):  # and the claim itself refuses anyone the contract does not name
        tessera.approvals.claim(approval_id, "emma.chen", True, "")
    assert tessera.approvals.get(approval_id).status == "pending"
    assert decision_on(tessera, deal).outcome == "escalated"


def test_a_customer_has_no_desk(tessera):
    with pytest.raises(PermissionError):
        tessera.desk.waiting(tessera.actor("cust.mark.taylor"))
