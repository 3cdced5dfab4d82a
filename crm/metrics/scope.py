"""Who asks decides what a metric counts: a rep their unit, a manager the units of their region, an admin every
unit, a customer nothing; and rows about people who refused analytics stay out of every aggregate."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor
from crm.models import Contact, SalesUnit
from crm.privacy import pdp
from crm.privacy.models import ConsentRecord

ANALYTICS = ("user.behavior.interaction", "analytics.reporting")  # category and purpose of a statistic on activity
_refusals_cache: dict[tuple, frozenset[int]] = {}


@dataclass(frozen=True)
class Caller:
    """The asker as the metrics see them: `units` None means every unit."""

    role: str
    login: str
    user_id: int
    unit_id: int | None
    region: str | None
    units: tuple[int, ...] | None
    language: str = "en"
    unit_codes: tuple[str, ...] = ()


def caller_of(session: Session, actor: Actor) -> Caller:
    """Resolve the scope of an actor; refuse those who may read no sales figures."""
    if actor.role not in ("rep", "manager", "admin"):
        raise AccessDenied(f"a {actor.role} may not read sales metrics; they are for reps, managers and admins",
                           kind="metrics_staff_only", role=actor.role)
    every = session.execute(select(SalesUnit.id, SalesUnit.code, SalesUnit.region).order_by(SalesUnit.code)).all()
    region = next((r for i, _c, r in every if i == actor.unit_id), None)
    if actor.role == "admin":
        units = None
    elif actor.role == "manager":  # their team: the units of their region (crm.services.scope.team_unit_ids)
        if region is None:
            raise AccessDenied("a manager without a sales unit has no region to read metrics for")
        units = tuple(i for i, _c, r in every if r == region)
    elif actor.unit_id is None:
        raise AccessDenied("a rep without a sales unit has no figures to read")
    else:
        units = (actor.unit_id,)
    codes = tuple(c for i, c, _r in every if units is None or i in units)
    return Caller(actor.role, actor.login, actor.user_id, actor.unit_id, region, units, actor.language, codes)


def unit_codes(session: Session, caller: Caller) -> list[str]:
    """The codes of the units the caller's figures cover ("my team", "my units")."""
    if caller.unit_codes:
        return list(caller.unit_codes)
    q = select(SalesUnit.code).order_by(SalesUnit.code)
    if caller.units is not None:
        q = q.where(SalesUnit.id.in_(caller.units))
    return list(session.scalars(q))


def scope_words(session: Session, caller: Caller) -> str:
    """The units a caller's figures cover, as shown under every answer ("every unit", "units EAST-ENT, EAST-SMB")."""
    if caller.units is None:
        return "every unit"
    return "units " + ", ".join(unit_codes(session, caller))


def refused_analytics(session: Session, now: dt.datetime, actor: str) -> frozenset[int]:
    """Contacts whose activity data analytics may not use, decided by the privacy decision point. Remembered until a
    consent is recorded (the newest consent id changes) or the day changes."""
    state = session.execute(select(func.max(ConsentRecord.id), func.count(ConsentRecord.id))).one()
    key = (str(session.get_bind().url), tuple(state), now.date())
    if key not in _refusals_cache:
        contacts = session.scalars(select(Contact.id))
        _refusals_cache.clear()
        _refusals_cache[key] = frozenset(pdp.refused_for_aggregate(session, contacts, *ANALYTICS, now, actor=actor))
    return _refusals_cache[key]
