"""The daily brief, "who do I call first today": the rep's overdue and due tasks, deals slipping or gone quiet,
likely wins closing soon, cases waiting on their accounts and consents about to expire, ranked by urgency."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import Actor
from crm.briefing.facts import QUIET_DAYS, Scorer, last_touch
from crm.models import OPEN_STAGES, Account, Case, Contact, Deal
from crm.privacy.guard import person_name
from crm.privacy.models import ConsentRecord
from crm.services.scope import require_staff
from crm.tasks.models import Task
from crm.tasks.service import task_row

PURPOSE = "sales.follow_up"
NEAR_CLOSE_DAYS = 30
LIKELY_WIN = 0.45
CONSENT_WINDOW_DAYS = 60
CASE_URGENCY = {"urgent": 90, "high": 80, "normal": 55, "low": 30}
WORDS = {
    "overdue": ("overdue task", "逾期任务"), "due": ("due today", "今天到期"), "slipping": ("deal slipping", "商机延误"),
    "quiet": ("deal gone quiet", "商机沉寂"), "likely": ("likely win closing soon", "即将成交"),
    "case": ("case waiting", "待处理工单"), "consent": ("consent expiring", "授权即将到期"),
}


def daily_brief(session: Session, actor: Actor, *, now: dt.datetime, scorer: Scorer | None = None,
                lang: str = "en", limit: int = 15) -> dict:
    require_staff(actor, "read a daily brief")
    zh, today = lang == "zh", now.date()
    found: list[tuple[float, dict]] = []

    def add(weight: float, kind: str, what: str, why: str, link: str) -> None:
        found.append((weight, {"kind": WORDS[kind][1 if zh else 0], "what": what, "why": why, "link": link}))

    end_of_day = dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    for t in session.scalars(select(Task).where(Task.owner_id == actor.user_id, Task.status == "open",
                                                Task.due_at < end_of_day)):
        row = task_row(session, t, now, actor.login)
        where = row.get("contact") or row.get("account") or ""
        what = f"{row['title']}" + (f" · {where}" if where and where not in row["title"] else "")
        if t.due_at < now and t.due_at.date() < today:
            days = (today - t.due_at.date()).days
            add(100 + min(days, 30), "overdue", what, f"逾期{days}天" if zh else f"{days} days overdue", row["task"])
        else:
            add(60, "due", what, f"{t.due_at:%H:%M}", row["task"])

    deals = session.scalars(select(Deal).where(Deal.owner_id == actor.user_id, Deal.stage.in_(OPEN_STAGES))).all()
    touched = last_touch(session, [d.id for d in deals])
    scores = scorer([d.id for d in deals]) if scorer and deals else {}
    for d in deals:
        score = scores.get(d.id)
        win = f"{score['win_probability']:.0%}" if score else "—"
        if d.expected_close < today:
            days = (today - d.expected_close).days
            add(70 + min(days, 30) / 3, "slipping", d.title,
                f"预计成交日已过{days}天，赢单概率{win}" if zh else f"expected close passed {days} days ago; win {win}",
                f"D-{d.id}")
            continue
        last = touched.get(d.id)
        quiet = (today - last.date()).days if last else None
        if quiet is None or quiet >= QUIET_DAYS:
            said = ("从未跟进" if zh else "never touched") if quiet is None else (
                f"{quiet}天没有跟进" if zh else f"no touch for {quiet} days")
            add(65 + min(quiet or 30, 30) / 3, "quiet", d.title, f"{said}，赢单概率{win}" if zh else f"{said}; win {win}",
                f"D-{d.id}")
        elif score and score["win_probability"] >= LIKELY_WIN and (d.expected_close - today).days <= NEAR_CLOSE_DAYS:
            add(50 + 10 * score["win_probability"], "likely", d.title,
                f"赢单概率{win}，{d.expected_close}成交" if zh else f"win {win}, closes {d.expected_close}", f"D-{d.id}")

    mine = select(Account.id).where(Account.owner_id == actor.user_id)
    for c in session.scalars(select(Case).where(Case.account_id.in_(mine), Case.status.in_(("open", "in_progress")))):
        age = (today - c.created_at.date()).days
        name = session.get(Account, c.account_id).name
        add(CASE_URGENCY.get(c.priority, 50) + min(age, 20) / 4, "case", f"{name}: {c.category}",
            f"{c.priority}，已{age}天（{c.status}）" if zh else f"{c.priority}, {age} days ({c.status})", f"C-{c.id}")

    window = now + dt.timedelta(days=CONSENT_WINDOW_DAYS)
    contacts = {c.id: c for c in session.scalars(select(Contact).where(Contact.account_id.in_(mine)))}
    latest: dict[tuple, ConsentRecord] = {}
    for r in session.scalars(select(ConsentRecord).where(ConsentRecord.contact_id.in_(list(contacts)))
                             .order_by(ConsentRecord.recorded_at, ConsentRecord.id)):
        latest[(r.contact_id, r.category, r.purpose)] = r
    for (contact_id, _, purpose), r in latest.items():
        if r.granted and r.expires_at and now <= r.expires_at <= window:
            days = (r.expires_at.date() - today).days
            who = person_name(session, contacts[contact_id], PURPOSE, now, actor=actor.login)
            add(40 - days / 3, "consent", f"{who}: {purpose}",
                f"{days}天后到期（{r.expires_at:%Y-%m-%d}）" if zh else f"expires in {days} days ({r.expires_at:%Y-%m-%d})",
                f"contact #{contact_id}")

    ranked = [item for _, item in sorted(found, key=lambda f: -f[0])]
    items = [{"rank": i, **item} for i, item in enumerate(ranked[:limit], 1)]
    return {"items": items, "total": len(ranked), "about": {"day": today.isoformat()}}
