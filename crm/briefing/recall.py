"""What did we last discuss with X: the latest notes and cases of an account (or one contact), newest first, each
passage passing the decision point for its person, with the link to its record."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import Actor
from crm.models import Activity, Case, Contact
from crm.privacy.guard import masked_text, person_name
from crm.services.lookup import resolve_account
from crm.services.scope import require_staff
from crm.tasks.service import resolve_contact

PURPOSE = "sales.follow_up"
CATEGORY = "user.behavior.interaction"


def last_discussed(session: Session, actor: Actor, *, now: dt.datetime, account: str | None = None,
                   contact: str | None = None, limit: int = 3) -> dict:
    require_staff(actor, "read past conversations")
    if not account and not contact:
        raise ValueError("with whom? name an account or a contact, e.g. 'what did we last discuss with Acme'")
    acc = resolve_account(session, actor, account) if account else None
    person = resolve_contact(session, actor, contact, acc) if contact else None
    acc = acc or person.account
    notes = select(Activity).where(Activity.account_id == acc.id)
    cases = select(Case).where(Case.account_id == acc.id)
    if person is not None:
        notes, cases = notes.where(Activity.contact_id == person.id), cases.where(Case.contact_id == person.id)
    found = [(a.occurred_at, "activity", a) for a in session.scalars(notes.order_by(Activity.occurred_at.desc())
                                                                      .limit(limit))]
    found += [(c.created_at, "case", c) for c in session.scalars(cases.order_by(Case.created_at.desc()).limit(limit))]
    items, withheld = [], []
    for when, kind, row in sorted(found, key=lambda f: f[0], reverse=True)[:limit]:
        raw = (f"{row.subject}. {row.body}" if row.body and row.body != row.subject else row.subject) \
            if kind == "activity" else row.description
        text, why = masked_text(session, row.contact_id, CATEGORY, PURPOSE, raw, now, actor=actor.login)
        who = session.get(Contact, row.contact_id) if row.contact_id else None
        link = f"A-{row.id}" if kind == "activity" else f"C-{row.id}"
        items.append({"when": f"{when:%Y-%m-%d}", "what": row.kind if kind == "activity" else f"case ({row.category})",
                      "with": person_name(session, who, PURPOSE, now, actor=actor.login) if who else acc.name,
                      "by": row.user.display_name if kind == "activity" else "customer", "passage": text,
                      "link": link})
        withheld += [f"{link}: {w}" for w in why]
    result = {"items": items, "total": len(items), "about": person.full_name if person else acc.name}
    if withheld:
        result["withheld"] = withheld
    return result
