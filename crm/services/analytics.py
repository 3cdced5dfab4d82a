"""Questions managers ask: pipeline by stage and win rate grouped by region, unit or rep."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crm.actor import Actor
from crm.models import OPEN_STAGES, Deal, SalesUnit, User
from crm.services.rows import money
from crm.services.scope import require_staff, scoped

GROUPS = {"region": Deal.region, "unit": SalesUnit.code, "owner": User.display_name}


def pipeline_summary(session: Session, actor: Actor, *, region: str | None = None, start: dt.date | None = None,
                     end: dt.date | None = None) -> tuple[list[dict], str]:
    """Open deals by stage: count, value and average margin; the period filters expected close."""
    require_staff(actor, "read the pipeline")
    q = scoped(select(Deal.stage, func.count(), func.sum(Deal.amount), func.avg(Deal.margin)), actor, Deal.unit_id)
    q = q.where(Deal.stage.in_(OPEN_STAGES))
    if region:
        q = q.where(Deal.region == region.lower())
    if start:
        q = q.where(Deal.expected_close >= start)
    if end:
        q = q.where(Deal.expected_close <= end)
    rows = {stage: (n, amount, margin) for stage, n, amount, margin in session.execute(q.group_by(Deal.stage))}
    items = [{"stage": s, "deals": rows[s][0], "value": money(rows[s][1]), "avg_margin": f"{float(rows[s][2]):.1%}"}
             for s in OPEN_STAGES if s in rows]
    return items, _about(region, start, end)


def win_rate(session: Session, actor: Actor, *, group_by: str = "region", start: dt.date | None = None,
             end: dt.date | None = None) -> tuple[list[dict], str]:
    """Won / (won + lost) among deals closed in the period, per group."""
    require_staff(actor, "read win rates")
    if group_by not in GROUPS:
        raise ValueError(f"cannot group by '{group_by}'; use one of {', '.join(GROUPS)}")
    key = GROUPS[group_by]
    won = func.sum(case((Deal.stage == "won", 1), else_=0))
    lost = func.sum(case((Deal.stage == "lost", 1), else_=0))
    won_value = func.sum(case((Deal.stage == "won", Deal.amount), else_=0))
    q = select(key, won, lost, won_value).select_from(Deal).join(SalesUnit, SalesUnit.id == Deal.unit_id)
    q = q.join(User, User.id == Deal.owner_id).where(Deal.stage.in_(("won", "lost")))
    q = scoped(q, actor, Deal.unit_id)
    if start:
        q = q.where(Deal.closed_on >= start)
    if end:
        q = q.where(Deal.closed_on <= end)
    items = []
    for name, n_won, n_lost, value in session.execute(q.group_by(key).order_by(key)):
        closed = (n_won or 0) + (n_lost or 0)
        items.append({group_by: name, "won": n_won, "lost": n_lost,
                      "win_rate": f"{(n_won or 0) / closed:.1%}" if closed else "n/a", "won_value": money(value)})
    items.sort(key=lambda r: -(r["won"] / max(1, r["won"] + r["lost"])))
    return items, _about(None, start, end, f"by {group_by}")


def _about(region: str | None, start: dt.date | None, end: dt.date | None, *extra: str) -> str:
    parts = [*extra]
    if region:
        parts.append(region)
    if start or end:
        parts.append(f"{start or '…'}..{end or '…'}")
    return ", ".join(parts)
