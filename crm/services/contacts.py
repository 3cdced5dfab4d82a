"""The people at an account; every personal field passes the privacy decision point for sales follow-up."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.actor import Actor, Invalid
from crm.models import Activity, Contact, utcnow
from crm.privacy import pdp
from crm.privacy.guard import follow_ups, personal_view
from crm.services.lookup import resolve_account
from crm.services.scope import require_staff

SALES_PURPOSE = "sales.follow_up"
FIELDS = {"name": "full_name", "title": "title", "email": "email", "phone": "phone"}


def find_contacts(session: Session, actor: Actor, *, account: str, now: dt.datetime | None = None,
                  purpose: str = SALES_PURPOSE, idle_days: int | None = None) -> tuple[list[dict], str]:
    """Contacts of one account, each with the day of the last call, meeting or e-mail with them (`last_contact`).
    Withheld fields read "[withheld]" and the item says why under `withheld`; `follow_up` / `not_for` say which
    follow-ups the person's consents allow. `idle_days`: only the people nobody has been in touch with in the
    `idle_days` days up to `now` (never, for someone with no activity at all), longest silent first."""
    require_staff(actor, "read contacts")
    if idle_days is not None and idle_days < 1:
        raise Invalid(f"idle_days must be at least 1, not {idle_days}", kind="bad_idle_days")
    now = now or utcnow()
    acc = resolve_account(session, actor, account)
    last = (select(Activity.contact_id, func.max(Activity.occurred_at).label("at"))
            .where(Activity.account_id == acc.id, Activity.contact_id.is_not(None))
            .group_by(Activity.contact_id).subquery())
    rows = session.execute(select(Contact, last.c.at).outerjoin(last, last.c.contact_id == Contact.id)
                           .where(Contact.account_id == acc.id).order_by(Contact.full_name)).all()
    if idle_days is not None:
        since = now - dt.timedelta(days=idle_days)
        rows = sorted(((c, at) for c, at in rows if at is None or at < since),
                      key=lambda row: (row[1] is not None, row[1] or now))
    people = [c for c, _ in rows]
    pdp.prefetch(session, [c.id for c in people])
    items = []
    for c, at in rows:
        view = personal_view(session, c, purpose, list(FIELDS.values()), now, actor=actor.login)
        item = {shown: view.values[column] for shown, column in FIELDS.items()}
        item["last_contact"] = at.date().isoformat() if at else None
        may, may_not = follow_ups(session, c, now, actor=actor.login)
        item["follow_up"] = may
        if may_not:
            item["not_for"] = may_not
        if view.withheld:
            item["withheld"] = [reason.replace(f"{column} withheld", f"{shown} withheld")
                                for shown, column in FIELDS.items() if (reason := view.withheld.get(column))]
        items.append(item)
    return items, acc.name
