"""The activities logged: a list by account, by whom, by kind and by period, within the reader's units (scoped), newest
first; each passage and each person's name passes the privacy decision point for its person."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from crm.actor import Actor
from crm.models import ACTIVITY_KINDS, Account, Activity, Contact
from crm.privacy import pdp
from crm.privacy.guard import masked_text, person_name
from crm.services.lookup import owner_named, resolve_account
from crm.services.scope import require_staff, scoped

PURPOSE = "sales.follow_up"
CATEGORY = "user.behavior.interaction"
LIMIT = 50


def find_activities(session: Session, actor: Actor, *, now: dt.datetime, account: str | None = None,
                    owner: str | None = None, kind: str | None = None, start: dt.date | None = None,
                    end: dt.date | None = None, limit: int = LIMIT) -> dict:
    """The activities matching every filter given, newest first (at most `limit`, with how many match in all).
    `owner`: who logged them, "me" for the reader; `kind`: call, meeting, email or note; `start`/`end`: the days
    they took place, both included. Another unit's account is refused by its lookup; the rows are scoped."""
    require_staff(actor, "read logged activities")
    if kind is not None and kind not in ACTIVITY_KINDS:
        raise ValueError(f"unknown activity kind '{kind}'; use one of {', '.join(ACTIVITY_KINDS)}")
    q = scoped(select(Activity).join(Account, Activity.account_id == Account.id), actor, Account.unit_id)
    about: dict = {}
    if account:
        acc = resolve_account(session, actor, account)
        q = q.where(Activity.account_id == acc.id)
        about["account"] = acc.name
    if kind:
        q = q.where(Activity.kind == kind)
        about["activity_kind"] = kind
    if owner:
        user = owner_named(session, actor, owner)
        q = q.where(Activity.user_id == user.id)
        about["logged_by"] = user.display_name
    if start:
        q = q.where(Activity.occurred_at >= dt.datetime.combine(start, dt.time()))
    if end:
        q = q.where(Activity.occurred_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    if start or end:
        about["logged"] = {"start": start and start.isoformat(), "end": end and end.isoformat()}
    total = session.scalar(q.with_only_columns(func.count(Activity.id))) or 0
    rows = session.scalars(q.options(joinedload(Activity.user))
                           .order_by(Activity.occurred_at.desc(), Activity.id.desc()).limit(limit)).all()
    accounts = dict(session.execute(select(Account.id, Account.name)
                                    .where(Account.id.in_({a.account_id for a in rows}))).all())
    pdp.prefetch(session, [a.contact_id for a in rows if a.contact_id])
    items, withheld = [], []
    for a in rows:
        raw = f"{a.subject}. {a.body}" if a.body and a.body != a.subject else a.subject
        text, why = masked_text(session, a.contact_id, CATEGORY, PURPOSE, raw, now, actor=actor.login)
        person = session.get(Contact, a.contact_id) if a.contact_id else None
        who = person_name(session, person, PURPOSE, now, actor=actor.login) if person else None
        items.append({"link": f"A-{a.id}", "when": f"{a.occurred_at:%Y-%m-%d %H:%M}", "kind": a.kind,
                      "account": accounts[a.account_id], "with": who or "—", "by": a.user.display_name, "passage": text})
        withheld += [f"A-{a.id}: {w}" for w in why]
    result = {"items": items, "total": total, "about": about}
    if withheld:
        result["withheld"] = withheld
    return result
