"""Deciding a discount or a quote under the unit's contract: facts, engine, booking and the stored decision,
idempotent by request key; and resolving an escalated decision once a person has decided."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor, Invalid, NotFound
from crm.autonomy.authority import require_escalation_authority
from crm.autonomy.booking import HALF_CENT, Conflict, apply_discount, book, ensure_pool, pool_left
from crm.autonomy.catalog import active_contract
from crm.autonomy.contract import AutonomyContract
from crm.autonomy.engine import Decision, decide
from crm.autonomy.facts import RequestFacts, gather_facts
from crm.autonomy import trail
from crm.autonomy.models import BudgetPool, ContractDecision
from crm.models import OPEN_STAGES, Deal, SalesUnit, User
from crm.services.lookup import resolve_deal
from crm.services.scope import require_staff
from crm.store import Store

ATTEMPTS = 4
FINAL = ("accept", "escalated")  # a repeated request returns these as they are; the others are decided afresh


def request_key(kind: str, deal_id: int, percent: float, promised_on: dt.date | None, login: str) -> str:
    """The same person asking the same thing of the same deal is one request, however often it arrives."""
    raw = json.dumps([kind, deal_id, round(percent, 4), promised_on.isoformat() if promised_on else None, login])
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def request_decision(store: Store, actor: Actor, *, kind: str, deal: str, percent: float = 0.0,
                     reason: str | None = None, promised_on: dt.date | None = None, now: dt.datetime,
                     key: str | None = None) -> dict:
    """Decide under the deal's unit contract; an accepted discount is booked and applied to the deal once."""
    require_staff(actor, "request discounts or quote approvals")
    if kind == "discount" and not 0 < percent < 100:
        raise Invalid(f"a discount is a percentage between 0 and 100, not {percent:g}", kind="percent_range", percent=f"{percent:g}")
    for _ in range(ATTEMPTS):
        try:
            return _attempt(store, actor, kind, deal, percent, reason, promised_on, now, key)
        except (Conflict, IntegrityError):
            continue  # someone else wrote first: read again, the stored decision wins
    raise Conflict("the request kept colliding with concurrent changes; try again")


def _attempt(store, actor, kind, deal, percent, reason, promised_on, now, key) -> dict:
    with store.session() as s:
        target = open_deal_to_decide(s, actor, deal)
        key = key or request_key(kind, target.id, percent, promised_on, actor.login)
        existing = s.scalar(select(ContractDecision).where(ContractDecision.key == key))
        if existing is not None and (existing.outcome in FINAL or existing.approver):
            return decision_view(existing, repeated=True)
        version, contract = contract_of(s, target.unit_id)
        facts = gather_facts(s, contract, target, kind=kind, percent=percent, reason=reason,
                             promised_on=promised_on, today=now.date())
        unit_id, deal_id = target.unit_id, target.id
        previous = (existing.id, existing.revision) if existing else None
        pool = s.execute(select(BudgetPool.id, BudgetPool.limit_amount).where(
            BudgetPool.unit_id == unit_id, BudgetPool.pool == "discount", BudgetPool.period == facts.budget_period)).first()
    decision = decide(contract, facts)
    limit = contract.budgets["discount"].limit
    pool_id = pool.id if pool and abs(Decimal(str(pool.limit_amount)) - limit) < HALF_CENT else None
    if pool_id is None and decision.outcome in ("accept", "escalate"):  # only these can ever book
        pool_id = ensure_pool(store, unit_id, "discount", facts.budget_period, limit)
    with store.session() as s:
        if decision.outcome == "accept" and decision.book:
            if not book(s, pool_id, Decimal(str(decision.book))):  # spent by a concurrent request meanwhile
                decision = _refused_budget(s, contract, facts, pool_id)
            else:
                apply_discount(s, deal_id, facts.amount, facts.new_amount, facts.new_margin)
        row = _write(s, previous, key=key, unit_id=unit_id, deal_id=deal_id, kind=kind, actor=actor,
                     request={"deal": f"D-{deal_id}", "percent": percent, "reason": reason,
                              "promised_on": promised_on.isoformat() if promised_on else None},
                     version=version, decision=decision, pool_id=pool_id, now=now)
        return decision_view(row)


def open_deal_to_decide(session: Session, actor: Actor, deal: str) -> Deal:
    """The open deal a discount or quote is asked for: one the actor's unit decides (a shared account's deal is
    read-only to another unit's rep)."""
    target = resolve_deal(session, actor, deal)
    if actor.role == "rep" and target.unit_id != actor.unit_id:
        raise AccessDenied(f"D-{target.id} belongs to another unit's shared account: you may read it, but its "
                           "discounts and quotes are that unit's decision")
    if target.stage not in OPEN_STAGES:
        raise Invalid(f"D-{target.id} is already {target.stage}; discounts and quotes are for open deals",
                      kind="deal_closed", deal=f"D-{target.id}", stage=target.stage)
    return target


def contract_of(session: Session, unit_id: int) -> tuple[int, AutonomyContract]:
    loaded = active_contract(session, unit_id)
    if loaded is None:
        code = session.scalar(select(SalesUnit.code).where(SalesUnit.id == unit_id))
        raise ValueError(f"unit {code} has no autonomy contract yet, so nothing can be decided for it; a manager "
                         "can clone one from a template (clone_contract_template)")
    return loaded


def _refused_budget(session: Session, contract: AutonomyContract, facts: RequestFacts, pool_id: int) -> Decision:
    limit, used = pool_left(session, pool_id)
    fresh = facts.model_copy(update={"budget_used": used, "budget_left": round(limit - used, 2)})
    return decide(contract, fresh)


def _write(s: Session, previous, *, key, unit_id, deal_id, kind, actor, request, version, decision: Decision,
           pool_id, now) -> ContractDecision:
    values = dict(outcome="escalated" if decision.outcome == "escalate" else decision.outcome, rule=decision.rule,
                  reasons=decision.reasons, numbers=decision.numbers, missing=decision.missing_evidence,
                  booked=Decimal(str(decision.book)) if decision.outcome == "accept" else Decimal(0),
                  pool_id=pool_id, escalate_to=decision.escalate_to, request=request, contract_version=version,
                  decided_at=None if decision.outcome == "escalate" else now)
    if previous is None:
        row = ContractDecision(key=key, unit_id=unit_id, deal_id=deal_id, kind=kind, requested_by=actor.login,
                               created_at=now, revision=1, note="", **values)
        s.add(row)
        s.flush()  # a duplicate key raises here and the whole transaction, booking included, rolls back
        trail.decision_made(s, row, now)
        return row
    decision_id, revision = previous
    changed = s.execute(update(ContractDecision)
                        .where(ContractDecision.id == decision_id, ContractDecision.revision == revision)
                        .values(revision=revision + 1, created_at=now, **values)
                        .execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise Conflict(f"decision {decision_id} changed meanwhile")
    row = s.get(ContractDecision, decision_id, populate_existing=True)
    trail.decision_made(s, row, now)
    return row


def resolve_escalation(store: Store, decision_id: int, *, approved: bool, approver: str, note: str = "",
                       now: dt.datetime) -> dict:
    """Apply a person's decision to a pending escalation, once: a second call returns the stored result."""
    with store.session() as s:
        row = s.get(ContractDecision, decision_id)
        if row is None:
            raise NotFound(f"no contract decision {decision_id}")
        if row.outcome != "escalated":
            return decision_view(row, repeated=True)
        try:
            if s.scalar(select(User.id).where(User.login == approver)) is None:
                raise AccessDenied(f"'{approver}' is not a Tessera user and may not decide escalations")
            require_escalation_authority(s, decision_id, approver)
            refused = None
        except AccessDenied as exc:
            refused = exc
            trail.escalation_refused(s, decision_id=decision_id, unit_id=row.unit_id, by=approver, why=str(refused),
                                     now=now)
        else:
            facts = RequestFacts.model_validate(row.numbers)
            revision, pool_id, deal_id = row.revision, row.pool_id, row.deal_id
    if refused is not None:  # raised after the commit, so the refusal stays on the log
        raise refused
    reasons = list(row.reasons) + [f"{approver} {'approved' if approved else 'declined'}" + (f": {note}" if note else "")]
    try:
        _settle(store, decision_id, revision, pool_id, deal_id, facts, approved=approved, approver=approver, note=note,
                reasons=reasons, unit_id=row.unit_id, now=now)
    except Conflict:
        pass  # resolved by a concurrent resume: the stored outcome below is the one that counts
    with store.session() as s:
        return decision_view(s.get(ContractDecision, decision_id), repeated=False)


def _settle(store: Store, decision_id: int, revision: int, pool_id: int | None, deal_id: int, facts: RequestFacts, *,
            approved: bool, approver: str, note: str, reasons: list[str], unit_id: int, now: dt.datetime) -> None:
    outcome, rule, booked = ("accept", None, Decimal(0)) if approved else ("reject", "approver", Decimal(0))
    with store.session() as s:
        if approved and facts.kind == "discount":
            booked = Decimal(str(facts.discount_value))
            if pool_id is None or not book(s, pool_id, booked):
                outcome, rule, booked = "reject", "budgets.discount", Decimal(0)
                reasons.append(f"REJECT budgets.discount: approved, but {facts.discount_value:,.2f} no longer fits "
                               f"the discount budget of {facts.budget_period}")
            else:
                apply_discount(s, deal_id, facts.amount, facts.new_amount, facts.new_margin)
        changed = s.execute(update(ContractDecision)
                            .where(ContractDecision.id == decision_id, ContractDecision.revision == revision,
                                   ContractDecision.outcome == "escalated")
                            .values(outcome=outcome, rule=rule, booked=booked, approver=approver, note=note,
                                    reasons=reasons, decided_at=now, revision=revision + 1)
                            .execution_options(synchronize_session=False))
        if changed.rowcount != 1:
            raise Conflict(f"decision {decision_id} was resolved by someone else meanwhile")
        trail.escalation_resolved(s, decision_id=decision_id, unit_id=unit_id, approver=approver, approved=approved,
                                  outcome=outcome, note=note, now=now)


def decision_view(row: ContractDecision, repeated: bool = False) -> dict:
    """A decision as tools, the API and the graph see it: outcome, the failed rule, reasons and numbers."""
    return {"decision": f"CD-{row.id}", "decision_id": row.id, "kind": row.kind, "deal": row.request.get("deal"),
            "outcome": row.outcome, "rule": row.rule, "reasons": list(row.reasons), "numbers": dict(row.numbers),
            "missing_evidence": list(row.missing or []), "booked": float(row.booked or 0),
            "escalate_to": row.escalate_to, "approver": row.approver, "repeated": repeated}
