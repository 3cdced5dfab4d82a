"""Demo tasks: follow-ups the reps promised in their latest notes on open deals, some overdue, some due soon.
Seeded once (its own seed run), from its own dice, so the demo company is the same with or without it."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import OPEN_STAGES, Activity, Contact, Deal, SeedRun, User
from crm.tasks.models import Task

SEED_NAME = "tasks"
SEED = 20261313
TODAY = dt.date(2026, 11, 26)  # the demo's today (crm.seed.demo.DEMO_TODAY)
SHARE = 0.35  # of open deals with a note, how many carry a follow-up task
TITLES = {
    "en": ["Call {contact} about {product}", "Send the revised quote for {product}", "Follow up with {contact} on "
           "the proposal", "Book a demo of {product} for {account}", "Check {account}'s budget approval"],
    "zh": ["给{contact}打电话沟通{product}", "发送{product}的修订报价", "跟进{contact}对方案的反馈",
           "为{account}安排{product}演示", "确认{account}的预算审批进度"],
}


def seed_tasks(session: Session, today: dt.date = TODAY) -> int:
    if session.scalar(select(SeedRun).where(SeedRun.name == SEED_NAME)) is not None:
        return 0
    rng = random.Random(SEED)
    languages = dict(session.execute(select(User.id, User.language)).all())
    latest: dict[int, Activity] = {}
    for a in session.scalars(select(Activity).where(Activity.deal_id.is_not(None)).order_by(Activity.occurred_at)):
        latest[a.deal_id] = a
    rows = []
    for deal in session.scalars(select(Deal).where(Deal.stage.in_(OPEN_STAGES)).order_by(Deal.id)):
        note = latest.get(deal.id)
        if note is None or rng.random() >= SHARE:
            continue
        lang = languages.get(deal.owner_id, "en")
        contact = session.get(Contact, note.contact_id) if note.contact_id else None
        words = {"contact": contact.full_name if contact else deal.account.name, "account": deal.account.name,
                 "product": deal.product.name_zh if lang == "zh" else deal.product.name}
        offset = rng.choice((-21, -14, -9, -6, -3, -2, -1, 0, 1, 2, 3, 5, 8, 13))
        hour = rng.choice((14, 16) if offset == 0 else (9, 10, 14, 16))  # today's are still ahead at 10:00
        due = dt.datetime.combine(today + dt.timedelta(days=offset), dt.time(hour, 0))
        rows.append(Task(owner_id=deal.owner_id, created_by=deal.owner_id, unit_id=deal.unit_id,
                         account_id=deal.account_id, deal_id=deal.id, contact_id=note.contact_id,
                         kind="call" if "{contact}" in (title := rng.choice(TITLES[lang])) else "follow_up",
                         title=title.format(**words), due_at=due, status="open", remind=True,
                         reminder_state="sent" if due.date() < today else "pending",
                         reminded_at=due if due.date() < today else None, source="seed",
                         created_at=min(note.occurred_at, due)))
    session.add_all(rows)
    session.add(SeedRun(name=SEED_NAME, seed=SEED, created_at=dt.datetime.combine(today, dt.time())))
    session.flush()
    return len(rows)
