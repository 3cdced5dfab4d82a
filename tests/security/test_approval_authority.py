"""Finding 5: any manager decided any unit's escalation (a manager of North Industry approved an East Enterprise
discount, booked on East's budget), and two people deciding one approval at once both got "accepted". Now only
the named approver or someone the unit's contract names decides; one decision wins, the other gets 409."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from crm.actor import AccessDenied
from crm.autonomy.catalog import active_contract, store_contract
from crm.autonomy.decisions import resolve_escalation
from crm.autonomy.models import AutonomyAudit, BudgetPool, ContractDecision
from crm.models import SalesUnit
from memory.approvals import AlreadyDecided
from tests.autonomy_support import LATER, find_deal
from tests.conftest import FIXED_NOW, settings_for
from tests.security.conftest import Api, pg_settings
from tessera.runtime import Tessera
from tessera.settings import AgentModels

UNIT = "east-enterprise"  # its contract escalates to zhao.lei
SCRIPTED = AgentModels(sales="scripted/llm", fallbacks=[])


def paused_discount(tessera: Tessera, scripted, requester: str = "li.wei", thread: str = "discount") -> dict:
    """li.wei asks for 8% off an East Enterprise deal the contract lets no one in the unit grant alone."""
    facts = find_deal(tessera.store, UNIT, 8, lambda f: not f.new_customer and f.competitor_price is not None
                      and f.max_days_late == 0 and not f.defaulted_payments
                      and f.unit_price_after >= f.competitor_price * 0.95 and f.new_margin > 0.25)
    scripted.enqueue({"tool_calls": [{"name": "request_discount", "args": {
        "deal": facts.deal, "percent": 8, "reason": "matching a rival's offer", "promised_on": LATER.isoformat()}}]})
    paused = tessera.chat(requester, thread, f"give {facts.deal} 8% off, a rival offered less")
    assert paused.confirmation["tool"] == "request_discount"  # booking a discount is confirmed first
    paused = tessera.chat(requester, thread, "yes")
    assert paused.approval is not None and paused.approval["payload"]["approver"] == "zhao.lei"
    return paused.approval


def budget_used(tessera: Tessera) -> float:
    with tessera.store.session() as s:
        return float(s.scalar(select(func.coalesce(func.sum(BudgetPool.used_amount), 0))))


@pytest.fixture
def east(data_dir, scripted):
    app = Tessera(settings_for(data_dir, models=SCRIPTED), clock=lambda: FIXED_NOW, seed=False)
    yield app
    app.close()


def test_a_manager_of_another_unit_cannot_approve_easts_discount(east, scripted):
    approval, spent = paused_discount(east, scripted), budget_used(east)
    for outsider in ("olivia.wang", "liang.yu", "admin"):  # North's and South's managers, and the admin
        with pytest.raises(AccessDenied, match="only zhao.lei may"):
            east.decide(approval["id"], outsider, approved=True, note="looks fine to me")
    api = Api(east)
    r = api.client.post(f"/v1/approvals/{approval['id']}", headers=api.auth("olivia.wang"), json={"approved": True})
    assert r.status_code == 403
    assert east.approvals.get(approval["id"]).status == "pending" and budget_used(east) == spent
    with east.store.session() as s:
        assert s.get(ContractDecision, approval["payload"]["decision_id"]).outcome == "escalated"
    assert api.client.get("/v1/approvals", headers=api.auth("olivia.wang")).json() == []


def test_the_domain_refuses_an_outsider_even_without_the_graph(east, scripted):
    approval = paused_discount(east, scripted)
    with pytest.raises(AccessDenied):
        resolve_escalation(east.store, approval["payload"]["decision_id"], approved=True, approver="olivia.wang",
                           now=FIXED_NOW)


def test_a_deputy_the_contract_names_decides_and_the_decision_names_them(east, scripted):
    approval = paused_discount(east, scripted)
    with east.store.session() as s:
        unit = s.scalar(select(SalesUnit).where(SalesUnit.code == UNIT))
        _, contract = active_contract(s, unit.id)
        store_contract(s, unit, contract.model_copy(update={"deputies": ["liang.yu"]}), "zhao.lei")
    assert [a.id for a in east.approvals.pending_for("liang.yu")] == [approval["id"]]
    scripted.enqueue({"content": "Your deputy approver said yes."})
    resumed = east.decide(approval["id"], "liang.yu", approved=True, note="zhao.lei is away")
    assert resumed.reply == "Your deputy approver said yes."
    row = east.approvals.get(approval["id"])
    assert (row.status, row.decided_by, row.note) == ("approved", "liang.yu", "zhao.lei is away")
    with east.store.session() as s:
        decision = s.get(ContractDecision, approval["payload"]["decision_id"])
        assert (decision.outcome, decision.approver) == ("accept", "liang.yu")
        logged = s.scalars(select(AutonomyAudit).where(AutonomyAudit.event == "escalation_resolved")).all()
        assert [(e.actor, e.details["approved"]) for e in logged] == [("liang.yu", True)]


def decide_at_once(apis: list[Api], approval_id: str) -> list[int]:
    """zhao.lei approves on one worker and rejects on the other at the same moment; returns both statuses."""
    start, statuses = threading.Barrier(2), {}

    def decide(i: int, approved: bool) -> None:
        start.wait()
        r = apis[i].client.post(f"/v1/approvals/{approval_id}", headers=apis[i].auth("zhao.lei"),
                                json={"approved": approved})
        statuses[approved] = (r.status_code, r.json())

    workers = [threading.Thread(target=decide, args=(0, True)), threading.Thread(target=decide, args=(1, False))]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    return statuses


def assert_one_winner(statuses: dict, apis: list[Api], approval: dict, spent_before: float) -> None:
    assert sorted(code for code, _ in statuses.values()) == [200, 409], statuses
    approved = statuses[True][0] == 200
    loser = statuses[not approved][1]["detail"]
    assert "already" in loser and "zhao.lei" in loser
    tessera = apis[0].tessera
    assert tessera.approvals.get(approval["id"]).status == ("approved" if approved else "rejected")
    with tessera.store.session() as s:
        decision = s.get(ContractDecision, approval["payload"]["decision_id"])
        assert decision.outcome == ("accept" if approved else "reject")
    assert (budget_used(tessera) > spent_before) == approved  # booked once, or not at all


def test_concurrent_approve_and_reject_on_sqlite_have_exactly_one_winner(data_dir, scripted):
    workers = [Tessera(settings_for(data_dir, models=SCRIPTED), clock=lambda: FIXED_NOW, seed=False) for _ in "ab"]
    try:
        approval, spent = paused_discount(workers[0], scripted), budget_used(workers[0])
        scripted.enqueue({"content": "decided"}, {"content": "decided"})
        apis = [Api(w) for w in workers]
        assert_one_winner(decide_at_once(apis, approval["id"]), apis, approval, spent)
    finally:
        for w in workers:
            w.close()


@pytest.mark.postgres
def test_concurrent_approve_and_reject_on_postgres_have_exactly_one_winner(pg_url, tmp_path, scripted):
    workers = [Tessera(pg_settings(pg_url, tmp_path / name, models=SCRIPTED), clock=lambda: FIXED_NOW, seed=False)
               for name in "ab"]
    try:
        approval, spent = paused_discount(workers[0], scripted, thread="pg-approval"), budget_used(workers[0])
        scripted.enqueue({"content": "decided"}, {"content": "decided"})
        apis = [Api(w) for w in workers]
        assert_one_winner(decide_at_once(apis, approval["id"]), apis, approval, spent)
        with pytest.raises(AlreadyDecided):
            workers[1].decide(approval["id"], "zhao.lei", approved=True)
    finally:
        for w in workers:
            w.close()
