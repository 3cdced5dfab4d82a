"""The people at an account; every personal field passes the privacy decision point for sales follow-up."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import Actor
from crm.models import Contact, utcnow
from crm.privacy import pdp
from crm.privacy.guard import follow_ups, personal_view
from crm.services.lookup import resolve_account
from crm.services.scope import require_staff

SALES_PURPOSE = "sales.follow_up"
FIELDS = {"name": "full_name", "title": "title", "email": "email", "phone": "phone"}


def find_contacts(session: Session, actor: Actor, *, account: str, now: dt.datetime | None = None,
                  purpose: str = SALES_PURPOSE) -> tuple[list[dict], str]:
    """Contacts of one account. Withheld fields read "[withheld]" and the item says why under `withheld`;
    `follow_up` / `not_for` say which follow-ups the person's consents allow."""
    require_staff(actor, "read contacts")
    now = now or utcnow()
    acc = resolve_account(session, actor, account)
    people = session.scalars(select(Contact).where(Contact.account_id == acc.id).order_by(Contact.full_name)).all()
    pdp.prefetch(session, [c.id for c in people])
    items = []
    for c in people:
        view = personal_view(session, c, purpose, list(FIELDS.values()), now, actor=actor.login)
        item = {shown: view.values[column] for shown, column in FIELDS.items()}
        may, may_not = follow_ups(session, c, now, actor=actor.login)
        item["follow_up"] = may
        if may_not:
            item["not_for"] = may_not
        if view.withheld:
            item["withheld"] = [reason.replace(f"{column} withheld", f"{shown} withheld")
                                for shown, column in FIELDS.items() if (reason := view.withheld.get(column))]
        items.append(item)
    return items, acc.name
