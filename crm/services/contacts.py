"""The people at an account."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import Actor
from crm.models import Contact
from crm.services.lookup import resolve_account
from crm.services.scope import require_staff


def find_contacts(session: Session, actor: Actor, *, account: str) -> tuple[list[dict], str]:
    require_staff(actor, "read contacts")
    acc = resolve_account(session, actor, account)
    people = session.scalars(select(Contact).where(Contact.account_id == acc.id).order_by(Contact.full_name)).all()
    return [{"name": c.full_name, "title": c.title, "email": c.email, "phone": c.phone} for c in people], acc.name
