"""Logging calls, meetings, emails and notes against an account."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import Actor, Invalid, NotFound
from crm.models import ACTIVITY_KINDS, Activity, Contact
from crm.services.lookup import resolve_account, resolve_deal
from crm.services.rows import activity_row
from crm.services.scope import ensure_visible, require_staff


def log_activity(session: Session, actor: Actor, *, account: str, kind: str, subject: str, body: str = "",
                 contact: str | None = None, deal: str | None = None, when: dt.datetime) -> dict:
    require_staff(actor, "log activities")
    if kind not in ACTIVITY_KINDS:
        raise ValueError(f"unknown activity kind '{kind}'; use one of {', '.join(ACTIVITY_KINDS)}")
    if not subject.strip():
        raise Invalid("an activity needs a subject: what was it about?", kind="needs_subject")
    acc = resolve_account(session, actor, account)
    ensure_visible(actor, acc)
    contact_id = None
    if contact:
        person = session.scalar(
            select(Contact).where(Contact.account_id == acc.id, Contact.full_name.ilike(f"%{contact.strip()}%"))
        )
        if person is None:
            raise NotFound(f"no contact named '{contact}' at {acc.name}", kind="no_contact_at", name=contact,
                               account=acc.name)
        contact_id = person.id
    deal_id = resolve_deal(session, actor, deal, acc).id if deal else None
    activity = Activity(account_id=acc.id, deal_id=deal_id, contact_id=contact_id, user_id=actor.user_id,
                        kind=kind, subject=subject.strip()[:200], body=body.strip(), occurred_at=when)
    session.add(activity)
    session.flush()
    session.refresh(activity, ["user"])
    return {"done": f"logged {kind} A-{activity.id} on {acc.name}: {activity.subject}",
            "record": {**activity_row(activity), "account": acc.name}}
