"""The boundary dashboard: per unit, how far each outcome metric is from its limit, budgets, decisions, breaches."""
from __future__ import annotations

import datetime as dt
import statistics

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor
from crm.autonomy.catalog import active_contract, unit_by_code
from crm.autonomy.contract import AutonomyContract
from crm.autonomy.facts import period_key
from crm.autonomy.models import BudgetPool, ContractDecision
from crm.models import Deal, SalesUnit
from crm.services.scope import require_staff, visible_unit_ids

WINDOW_DAYS = 90
METRICS = ("margin", "acquisition_cost", "cycle_time", "budget")
MINE = "mine"  # the asker's own units: a rep's unit, a manager's region ("my team", "我们区")


def boundary_status(session: Session, actor: Actor, *, today: dt.date, unit: str | None = None,
                    days: int = WINDOW_DAYS, closest_by: str = "margin") -> dict:
    """Each visible unit's distance from its red lines over the last `days`, nearest to `closest_by` first."""
    require_staff(actor, "read the autonomy dashboard")
    if closest_by not in METRICS:
        raise ValueError(f"unknown metric '{closest_by}'; metrics are {', '.join(METRICS)}")
    visible = visible_unit_ids(actor)
    if unit == MINE:
        units = own_units(session, actor)
    else:
        units = [unit_by_code(session, unit)] if unit else session.scalars(select(SalesUnit).order_by(SalesUnit.code)).all()
    if visible is not None:
        if unit and units[0].id not in visible:
            raise AccessDenied(f"unit {units[0].code} is not yours; you can see the status of your own unit only")
        units = [u for u in units if u.id in visible]
    since = today - dt.timedelta(days=days)
    rows = [unit_status(session, u, today=today, since=since) for u in units]
    # equal shares of a pool used (none of any, at the start of a period): the smaller pool is nearer its limit
    rows.sort(key=lambda r: (_distance(r, closest_by), _discount_left(r) if closest_by == "budget" else 0))
    closest = next((r["unit"] for r in rows if _distance(r, closest_by) != float("inf")), None)
    return {"units": rows, "closest": closest, "closest_by": closest_by, "window": f"{since}..{today}",
            "about": f"{len(rows)} unit(s), nearest to the {closest_by} limit first"}


def own_units(session: Session, actor: Actor) -> list[SalesUnit]:
    """The units that are the asker's own: a rep's unit; a manager's, those of their unit's region; every unit for
    someone without a unit (an admin)."""
    every = session.scalars(select(SalesUnit).order_by(SalesUnit.code)).all()
    home = next((u for u in every if u.id == actor.unit_id), None)
    if home is None:
        return list(every)
    return [home] if actor.role == "rep" else [u for u in every if u.region == home.region]


def _distance(row: dict, metric: str) -> float:
    found = next((m for m in row["metrics"] if m["metric"] == metric), None)
    return found["distance"] if found and found["distance"] is not None else float("inf")


def _discount_left(row: dict) -> float:
    return next((b["left"] for b in row["budgets"] if b["pool"] == "discount"), float("inf"))


def unit_status(session: Session, unit: SalesUnit, *, today: dt.date, since: dt.date) -> dict:
    loaded = active_contract(session, unit.id)
    if loaded is None:
        return {"unit": unit.code, "name": unit.name, "contract": None, "metrics": [], "budgets": [], "decisions": {},
                "escalations": {"pending": 0, "resolved": 0}, "red_line_breaches": 0}
    version, contract = loaded
    won = session.execute(select(Deal.amount, Deal.cost, Deal.margin, Deal.created_on, Deal.closed_on).where(
        Deal.unit_id == unit.id, Deal.stage == "won", Deal.closed_on >= since)).all()
    decisions = session.execute(select(ContractDecision.outcome, ContractDecision.rule, ContractDecision.approver,
                                       ContractDecision.numbers).where(
        ContractDecision.unit_id == unit.id, ContractDecision.created_at >= dt.datetime.combine(since, dt.time()))).all()
    budgets = _budgets(session, unit.id, contract, today)
    floor = contract.outcome_limits.margin_floor
    breaches = sum(1 for d in won if float(d.margin) < floor)
    breaches += sum(1 for d in decisions if d.outcome == "accept" and d.numbers.get("new_margin", 1) < floor - 1e-9)
    outcomes: dict[str, int] = {}
    for d in decisions:
        outcomes[d.outcome] = outcomes.get(d.outcome, 0) + 1
    return {"unit": unit.code, "name": unit.name, "contract": f"v{version} {contract.template}", "escalate_to": contract.escalate_to,
            "metrics": _metrics(contract, won, decisions, budgets), "budgets": budgets, "decisions": outcomes,
            "escalations": {"pending": outcomes.get("escalated", 0),
                            "resolved": sum(1 for d in decisions if d.approver)},
            "red_line_breaches": breaches,
            "red_line_rejections": sum(1 for d in decisions if (d.rule or "").startswith("outcome_limits"))}


def _metrics(contract: AutonomyContract, won, decisions, budgets: list[dict]) -> list[dict]:
    limits = contract.outcome_limits
    revenue = sum(float(d.amount) for d in won)
    margin = (revenue - sum(float(d.cost) for d in won)) / revenue if revenue else None
    out = [_metric("margin", margin, limits.margin_floor, higher_is_better=True, scale=100, unit="pp")]
    costs = [d.numbers.get("acquisition_cost", 0) for d in decisions
             if d.outcome == "accept" and d.numbers.get("new_customer")]
    ceiling = float(limits.acquisition_cost_ceiling) if limits.acquisition_cost_ceiling is not None else None
    out.append(_metric("acquisition_cost", statistics.mean(costs) if costs else None, ceiling, higher_is_better=False))
    cycles = [(d.closed_on - d.created_on).days for d in won if d.closed_on]
    out.append(_metric("cycle_time", statistics.median(cycles) if cycles else None, limits.cycle_time_ceiling_days,
                       higher_is_better=False, unit="days"))
    discount = next((b for b in budgets if b["pool"] == "discount"), None)
    if discount and discount["limit"]:  # as a share, so units with pools of different sizes compare
        out.append(_metric("budget", discount["used"] / discount["limit"], 1.0, higher_is_better=False, scale=100,
                           unit="% of the discount pool"))
    return out


def _metric(name: str, value, limit, *, higher_is_better: bool, scale: float = 1, unit: str = "CNY") -> dict:
    """Distance is how much room is left before the limit, in the metric's unit; negative means breached."""
    if value is None or limit is None:
        return {"metric": name, "value": value, "limit": limit, "distance": None, "unit": unit}
    room = (value - limit) if higher_is_better else (limit - value)
    return {"metric": name, "value": round(value * scale, 2), "limit": round(limit * scale, 2),
            "distance": round(room * scale, 2), "unit": unit}


def _budgets(session: Session, unit_id: int, contract: AutonomyContract, today: dt.date) -> list[dict]:
    out = []
    for name, rule in contract.budgets.items():
        period = period_key(rule.period, today)
        used = session.scalar(select(func.coalesce(func.sum(BudgetPool.used_amount), 0)).where(
            BudgetPool.unit_id == unit_id, BudgetPool.pool == name, BudgetPool.period == period))
        limit = float(rule.limit)
        out.append({"pool": name, "period": period, "limit": limit, "used": round(float(used), 2),
                    "left": round(limit - float(used), 2)})
    return out
