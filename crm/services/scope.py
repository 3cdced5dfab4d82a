"""Sandboxing in the store layer: which units' records an actor may see, applied to every query.

A unit sees its own records plus the accounts another unit explicitly shared with it (crm.autonomy.sharing),
with those accounts' deals and activities."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, object_session

from crm.actor import AccessDenied, Actor
from crm.autonomy.models import SharedAccount
from crm.models import Account, Contact


def visible_unit_ids(actor: Actor) -> list[int] | None:
    """None means every unit; reps see their own unit; customers see no unit's records."""
    if actor.sees_all_units:
        return None
    if actor.role == "rep" and actor.unit_id is not None:
        return [actor.unit_id]
    return []


def team_unit_ids(session: Session, actor: Actor) -> list[int] | None:
    """The units of the asker's team ("my team", "我们组"), one rule for records and figures alike: a manager's team is
    the units of their region, a rep's their own unit, an admin's every unit (None); a customer has none."""
    from crm.models import SalesUnit

    if actor.role == "admin":
        return None
    if actor.unit_id is None or actor.role not in ("rep", "manager"):
        return []
    if actor.role == "rep":
        return [actor.unit_id]
    region = session.scalar(select(SalesUnit.region).where(SalesUnit.id == actor.unit_id))
    return list(session.scalars(select(SalesUnit.id).where(SalesUnit.region == region).order_by(SalesUnit.code)))


def scope_key(actor: Actor) -> tuple:
    """Actors with equal keys see the same records (the accounts shared with a unit follow its unit): what a cache of
    per-user views is keyed by."""
    units = visible_unit_ids(actor)
    return ("every unit",) if units is None else tuple(sorted(units))


def shared_account_ids(units: list[int]) -> Select:
    """The accounts shared with any of these units and not revoked, as a subquery."""
    return select(SharedAccount.account_id).where(SharedAccount.unit_id.in_(units), SharedAccount.revoked_at.is_(None))


def scoped(query: Select, actor: Actor, unit_column) -> Select:
    units = visible_unit_ids(actor)
    if units is None:
        return query
    own = unit_column.in_(units)
    account_column = _account_column(unit_column)
    if not units or account_column is None:
        return query.where(own)
    return query.where(own | account_column.in_(shared_account_ids(units)))


def _account_column(unit_column):
    """The account a scoped row belongs to: accounts.id for accounts, else the row's account_id, if any."""
    entity = getattr(unit_column, "class_", None)
    if entity is Account:
        return Account.id
    return getattr(entity, "account_id", None)


def require_staff(actor: Actor, action: str) -> None:
    if actor.role not in ("rep", "manager", "admin"):
        raise AccessDenied(f"a {actor.role} may not {action}; this needs a sales rep or a manager", kind="staff_only",
                           role=actor.role)


def customer_account_id(session: Session, actor: Actor) -> int | None:
    if actor.contact_id is None:
        return None
    return session.scalar(select(Contact.account_id).where(Contact.id == actor.contact_id))


def ensure_visible(actor: Actor, account: Account) -> None:
    units = visible_unit_ids(actor)
    if units is None or account.unit_id in units:
        return
    session = object_session(account)
    if units and session is not None and session.scalar(
            shared_account_ids(units).where(SharedAccount.account_id == account.id)) is not None:
        return
    raise AccessDenied(f"account '{account.name}' belongs to another sales unit; you can only see your unit's accounts",
                       kind="other_unit", name=account.name)
