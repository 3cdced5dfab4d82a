"""Recall: what did we last discuss with X (the latest notes and cases of an account or a contact, newest first), and
who mentioned Y (the notes vector memory finds by meaning); each passage passes the decision point for its person
and comes with the link to its record."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor, Invalid
from crm.models import Account, Activity, Case, Contact
from crm.privacy import pdp
from crm.privacy.guard import masked_text, person_name
from crm.services.lookup import resolve_account
from crm.services.scope import require_staff, visible_unit_ids
from crm.tasks.service import resolve_contact

PURPOSE = "sales.follow_up"
CATEGORY = "user.behavior.interaction"


def last_discussed(session: Session, actor: Actor, *, now: dt.datetime, account: str | None = None,
                   contact: str | None = None, limit: int = 3) -> dict:
    require_staff(actor, "read past conversations")
    if not account and not contact:
        raise Invalid("with whom? name an account or a contact, e.g. 'what did we last discuss with Acme'", kind="needs_whom")
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
        item, why = _passage(session, actor, kind, row, now, fallback=acc.name)
        items.append({"when": f"{when:%Y-%m-%d}", "what": item.pop("what"), **item})
        withheld += why
    result = {"items": items, "total": len(items), "about": person.full_name if person else acc.name}
    if withheld:
        result["withheld"] = withheld
    return result


def mentioned(session: Session, actor: Actor, hits: list[dict], *, now: dt.datetime, about: str) -> dict:
    """The notes and cases vector memory found for `about` ({"id": "A-12", "score"}, nearest first), as passages
    with links, read from the store as they are now: a record deleted or undone since it was indexed is left out,
    and one on an account outside the actor's units refuses the whole answer."""
    require_staff(actor, "search notes")
    units = visible_unit_ids(actor)
    rows = []
    for hit in hits:
        kind, _, number = hit["id"].partition("-")
        row = session.get(Activity if kind == "A" else Case, int(number))
        if row is not None:
            rows.append(("activity" if kind == "A" else "case", row, hit["score"]))
    pdp.prefetch(session, [row.contact_id for _, row, _ in rows if row.contact_id])
    items, withheld = [], []
    for kind, row, score in rows:
        account = session.get(Account, row.account_id)
        if units is not None and account.unit_id not in units:
            raise AccessDenied("a note from another unit came back; refusing the whole result")
        item, why = _passage(session, actor, kind, row, now, fallback=account.name)
        when = row.occurred_at if kind == "activity" else row.created_at
        items.append({"link": item["link"], "when": f"{when:%Y-%m-%d}", "account": account.name,
                      "with": item["with"], "passage": item["passage"], "score": score})
        withheld += why
    result = {"items": items, "total": len(items), "about": about}
    if withheld:
        result["withheld"] = withheld
    return result


def _passage(session: Session, actor: Actor, kind: str, row, now: dt.datetime, *, fallback: str) -> tuple[dict, list]:
    raw = (f"{row.subject}. {row.body}" if row.body and row.body != row.subject else row.subject) \
        if kind == "activity" else row.description
    text, why = masked_text(session, row.contact_id, CATEGORY, PURPOSE, raw, now, actor=actor.login)
    who = session.get(Contact, row.contact_id) if row.contact_id else None
    link = f"A-{row.id}" if kind == "activity" else f"C-{row.id}"
    return ({"what": row.kind if kind == "activity" else f"case ({row.category})",
             "with": person_name(session, who, PURPOSE, now, actor=actor.login) if who else fallback,
             "by": row.user.display_name if kind == "activity" else "customer", "passage": text, "link": link},
            [f"{link}: {w}" for w in why])
