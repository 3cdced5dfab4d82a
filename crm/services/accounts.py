"""Finding accounts and building an account's 360-degree summary."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from crm.actor import Actor, Invalid
from crm.models import OPEN_STAGES, Account, Activity, Case, Contact, Deal
from crm.privacy import pdp
from crm.privacy.guard import personal_view
from crm.privacy.text_guard import guard_text
from crm.services.lookup import _escape, owner_named, refuse_other_units_owner, resolve_account
from crm.services.rows import account_row, activity_row, case_row, deal_row, money
from crm.services.scope import require_staff, scoped
from crm.tasks.models import Task
from crm.tasks.service import task_row


def find_accounts(session: Session, actor: Actor, *, query: str | None = None, region: str | None = None,
                  industry: str | None = None, owner: str | None = None, idle_days: int | None = None,
                  today: dt.date | None = None, limit: int = 20) -> tuple[list[dict], int, dict]:
    """The accounts of the reader's units by name, region, industry and owner ("me" for the reader's own); with
    `idle_days`, only those where nothing was logged (a call, meeting, e-mail or note) for at least that many days
    before `today`, or ever, the longest untouched first, each with the day it was last touched. Returns the rows,
    how many match and what was asked (the owner by name)."""
    require_staff(actor, "search accounts")
    q = scoped(select(Account), actor, Account.unit_id)
    if query:
        q = q.where(Account.name.ilike(f"%{_escape(query)}%", escape="\\"))
    if region:
        q = q.where(Account.region == region.lower())
    if industry:
        q = q.where(Account.industry.ilike(f"%{_escape(industry)}%", escape="\\"))
    about: dict = {"name": query, "region": region, "industry": industry}
    user = None
    if owner:
        user = owner_named(session, actor, owner)
        q = q.where(Account.owner_id == user.id)
        about["owner"] = user.display_name
    if idle_days is None:
        total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
        if not total and user is not None:  # "Wang Fang's accounts" from another unit: out of sight, not none
            refuse_other_units_owner(session, actor, user, "accounts")
        rows = session.scalars(q.order_by(Account.name).limit(limit)).all()
        return [account_row(a) for a in rows], total, about
    about["idle_days"] = idle_days
    if idle_days < 1:
        raise Invalid(f"idle_days must be at least 1, not {idle_days}")
    since = dt.datetime.combine((today or dt.date.today()) - dt.timedelta(days=idle_days), dt.time())
    last = (select(Activity.account_id, func.max(Activity.occurred_at).label("at"))
            .group_by(Activity.account_id).subquery())
    q = q.outerjoin(last, last.c.account_id == Account.id).where(
        or_(last.c.at < since, and_(last.c.at.is_(None), Account.created_at <= since)))
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    found = session.execute(q.add_columns(last.c.at).order_by(last.c.at.is_not(None), last.c.at, Account.name)
                            .limit(limit)).all()
    return [{**account_row(a), "last_activity": at.date().isoformat() if at else None} for a, at in found], total, about


def account_summary(session: Session, actor: Actor, *, account: str, today: dt.date,
                    now: dt.datetime | None = None) -> dict:
    """The 360 view: who owns it, its pipeline, what it bought, recent touches and open cases."""
    require_staff(actor, "read account summaries")
    acc = resolve_account(session, actor, account)
    deals = session.scalars(select(Deal).where(Deal.account_id == acc.id).order_by(Deal.expected_close)).all()
    open_deals = [d for d in deals if d.stage in OPEN_STAGES]
    year_ago = today - dt.timedelta(days=365)
    won_12m = [d for d in deals if d.stage == "won" and d.closed_on and d.closed_on >= year_ago]
    activities = session.scalars(
        select(Activity).where(Activity.account_id == acc.id).order_by(Activity.occurred_at.desc()).limit(5)
    ).all()
    cases = session.scalars(
        select(Case).where(Case.account_id == acc.id, Case.status.in_(("open", "in_progress")))
    ).all()
    # the reader's own open tasks about the account: with deals and cases, what is still open there
    tasks = session.scalars(select(Task).where(Task.account_id == acc.id, Task.owner_id == actor.user_id,
                                               Task.status == "open").order_by(Task.due_at)).all()
    contacts = session.scalars(select(Contact).where(Contact.account_id == acc.id)).all()
    pdp.prefetch(session, [c.id for c in contacts])
    now = now or dt.datetime.combine(today, dt.time.max)  # a consent changed at any time today applies
    views = [personal_view(session, c, "sales.follow_up", ["full_name", "title"], now, actor=actor.login)
             for c in contacts]
    recent, withheld = [], []
    for a in activities:  # a note's subject may quote a phone, an e-mail or a name: each passes the PDP
        row = activity_row(a)
        guarded = guard_text(session, row["subject"], "sales.follow_up", now, about=a.contact_id, actor=actor.login)
        recent.append({**row, "subject": guarded.text})
        withheld += [f"A-{a.id}: {why}" for why in guarded.withheld]
    result = {
        "record": {
            **account_row(acc),
            "open_deals": len(open_deals),
            "open_pipeline": money(sum(d.amount for d in open_deals)),
            "won_last_12_months": money(sum(d.amount for d in won_12m)),
            "contacts": [f"{v.values['full_name']} ({v.values['title']})" for v in views],
        },
        "open_deals": [deal_row(d) for d in open_deals],
        "recent_activities": recent,
        "open_cases": [case_row(c) for c in cases],
        "open_tasks": [task_row(session, t, now, actor.login) for t in tasks],
        "about": acc.name,
    }
    if withheld:
        result["withheld"] = withheld
    return result
