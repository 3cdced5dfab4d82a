"""Sandboxing in the store layer: which units' records an actor may see, applied to every query."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor
from crm.models import Account, Contact


def visible_unit_ids(actor: Actor) -> list[int] | None:
    """None means every unit; reps see their own unit; customers see no unit's records."""
    if actor.sees_all_units:
        return None
    if actor.role == "rep" and actor.unit_id is not None:
        return [actor.unit_id]
    return []


def scoped(query: Select, actor: Actor, unit_column) -> Select:
    units = visible_unit_ids(actor)
    return query if units is None else query.where(unit_column.in_(units))


def require_staff(actor: Actor, action: str) -> None:
    if actor.role not in ("rep", "manager", "admin"):
        raise AccessDenied(f"a {actor.role} may not {action}; this needs a sales rep or a manager")


def customer_account_id(session: Session, actor: Actor) -> int | None:
    if actor.contact_id is None:
        return None
    return session.scalar(select(Contact.account_id).where(Contact.id == actor.contact_id))


def ensure_visible(actor: Actor, account: Account) -> None:
    units = visible_unit_ids(actor)
    if units is not None and account.unit_id not in units:
        raise AccessDenied(f"account '{account.name}' belongs to another sales unit; you can only see your unit's accounts")
