"""Trying a contract change in a sandbox: the unit's requests of the last N days decided again under the proposed
contract, from the facts stored with each decision, reporting what would have changed. Writes nothing."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor
from crm.autonomy.catalog import active_contract, unit_by_code
from crm.autonomy.contract import parse_contract
from crm.autonomy.engine import decide
from crm.autonomy.facts import RequestFacts, period_key
from crm.autonomy.models import BudgetPool, ContractDecision
from crm.services.scope import require_staff, visible_unit_ids


def replay(session: Session, actor: Actor, *, unit: str, contract_text: str, days: int, now: dt.datetime) -> dict:
    require_staff(actor, "replay contract changes")
    target = unit_by_code(session, unit)
    visible = visible_unit_ids(actor)
    if visible is not None and target.id not in visible:
        raise AccessDenied(f"unit {target.code} is not yours; you can only try contracts for your own unit")
    if days <= 0:
        raise ValueError("replay needs a number of days greater than zero")
    proposed = parse_contract(contract_text, "the proposed contract")
    if proposed.unit != target.code:
        raise ValueError(f"the proposed contract is for unit '{proposed.unit}', not '{target.code}'")
    current = active_contract(session, target.id)
    since = now - dt.timedelta(days=days)
    rows = session.scalars(select(ContractDecision).where(ContractDecision.unit_id == target.id,
                                                          ContractDecision.created_at >= since)
                           .order_by(ContractDecision.created_at, ContractDecision.id)).all()
    used = _used_before(session, target.id, rows)
    rule = proposed.budgets["discount"]
    before, after, changed = Counter(), Counter(), []
    booked_before = booked_after = 0.0
    margins_before, margins_after = [], []
    for row in rows:
        facts = RequestFacts.model_validate(row.numbers)
        before[row.outcome] += 1
        booked_before += float(row.booked or 0)
        if row.outcome == "accept":
            margins_before.append(facts.new_margin)
        period = period_key(rule.period, row.created_at.date())
        spent = used.get(period, 0.0)
        sandbox = facts.model_copy(update={"budget_period": period, "budget_limit": float(rule.limit),
                                           "budget_used": spent, "budget_left": round(float(rule.limit) - spent, 2)})
        decision = decide(proposed, sandbox)
        outcome = "escalated" if decision.outcome == "escalate" else decision.outcome
        after[outcome] += 1
        if outcome == "accept":
            used[period] = spent + decision.book
            booked_after += decision.book
            margins_after.append(facts.new_margin)
        if outcome != row.outcome:
            changed.append({"decision": f"CD-{row.id}", "deal": facts.deal, "kind": facts.kind,
                            "percent": facts.percent, "before": row.outcome, "after": outcome,
                            "rule": decision.rule, "why": decision.reasons[-1]})
    return {"unit": target.code, "days": days, "requests": len(rows),
            "current_contract": f"v{current[0]} {current[1].template}" if current else None,
            "proposed_template": proposed.template,
            "before": _summary(before, booked_before, margins_before),
            "after": _summary(after, booked_after, margins_after),
            "changed": changed, "about": f"{len(changed)} of {len(rows)} decisions would change"}


def _used_before(session: Session, unit_id: int, rows: list[ContractDecision]) -> dict[str, float]:
    """What each period's discount pool had spent before the replayed requests (their bookings taken out)."""
    pools = session.execute(select(BudgetPool.period, BudgetPool.used_amount).where(
        BudgetPool.unit_id == unit_id, BudgetPool.pool == "discount")).all()
    used = {p.period: float(p.used_amount) for p in pools}
    for row in rows:
        period = row.numbers.get("budget_period")
        if period in used:
            used[period] -= float(row.booked or 0)
    return {k: max(0.0, round(v, 2)) for k, v in used.items()}


def _summary(outcomes: Counter, booked: float, margins: list[float]) -> dict:
    return {"outcomes": dict(outcomes), "booked": round(booked, 2),
            "average_accepted_margin": round(sum(margins) / len(margins), 4) if margins else None}
