"""Due reminders, claimed in the store so each fires once however many schedulers run and however often they
restart: a claim is one UPDATE from 'pending' to 'sending'; only the scheduler whose UPDATE changed the row sends.
A claim older than the lease belongs to a process that died while sending, and is taken again."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from crm.models import Account, User
from crm.privacy.text_guard import guard_text
from crm.tasks.models import Task

LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Reminder:
    task_id: int
    login: str
    language: str
    text: str


def claim_due(session: Session, now: dt.datetime, *, limit: int = 50) -> tuple[list[int], bool]:
    """Claim open tasks whose reminder is due: the ids this caller now owns (commit before sending), and whether
    more may be waiting (a full batch was looked at)."""
    claimable = or_(Task.reminder_state == "pending",
                    and_(Task.reminder_state == "sending", Task.reminder_claimed_at < now - LEASE))
    due = and_(Task.status == "open", Task.remind.is_(True), Task.due_at <= now, claimable)
    candidates = session.scalars(select(Task.id).where(due).order_by(Task.due_at).limit(limit)).all()
    claimed = []
    for task_id in candidates:
        done = session.execute(update(Task).where(Task.id == task_id, due)
                               .values(reminder_state="sending", reminder_claimed_at=now,
                                       reminder_attempts=Task.reminder_attempts + 1)
                               .execution_options(synchronize_session=False))
        if done.rowcount == 1:
            claimed.append(task_id)
    return claimed, len(candidates) == limit


def reminder_for(session: Session, task_id: int, now: dt.datetime) -> Reminder:
    """The words of a claimed reminder, in the owner's language; the title passes the decision point."""
    task = session.get(Task, task_id)
    owner = session.get(User, task.owner_id)
    title = guard_text(session, task.title, "sales.follow_up", now, about=task.contact_id, actor="reminders").text
    account = session.get(Account, task.account_id).name if task.account_id else None
    if owner.language == "zh":
        text = f"⏰ 提醒（T-{task.id}）：{title}" + (f" · {account}" if account else "") + f"，到期 {task.due_at:%m-%d %H:%M}"
    else:
        text = f"⏰ Reminder (T-{task.id}): {title}" + (f" · {account}" if account else "") + \
               f", due {task.due_at:%a %d %b %H:%M}"
    return Reminder(task_id=task.id, login=owner.login, language=owner.language, text=text)


def mark_sent(session: Session, task_id: int, now: dt.datetime) -> None:
    session.execute(update(Task).where(Task.id == task_id, Task.reminder_state == "sending")
                    .values(reminder_state="sent", reminded_at=now).execution_options(synchronize_session=False))


def mark_failed(session: Session, task_id: int, *, final: bool) -> None:
    """A send that failed goes back to 'pending' (tried again at the next poll) until the attempts run out."""
    task = session.get(Task, task_id)
    if task is not None and task.reminder_state == "sending":
        task.reminder_state = "failed" if final or task.reminder_attempts >= MAX_ATTEMPTS else "pending"
