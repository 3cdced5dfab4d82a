"""Creating, listing and closing tasks; each task belongs to one owner and may name an account, deal or contact."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor, Ambiguous, Invalid, NotFound
from crm.language import language_of
from crm.models import Account, Contact, User
from crm.privacy.guard import person_name
from crm.privacy.text_guard import guard_text
from crm.services.lookup import _escape, resolve_account, resolve_deal, resolve_user
from crm.services.scope import ensure_visible, require_staff, scoped
from crm.tasks.models import TASK_KINDS, Task

PURPOSE = "sales.follow_up"
DEFAULT_HOUR = dt.time(9, 0)  # "next Tuesday" without a time means the start of that working day
KIND_WORDS = {"call": ("call", "phone", "ring", "打电话", "电话", "致电"), "email": ("email", "e-mail", "mail", "邮件"),
              "meeting": ("meet", "visit", "拜访", "会议", "见面")}


def due_time(day: dt.date | None, at: str | None, now: dt.datetime) -> dt.datetime:
    """The moment a task falls due: the day at `at` ("15:00", "3pm"), by default 09:00; a time alone means today
    (tomorrow when it has passed); today without a time, once 09:00 has passed, the next full hour. A task due in the
    past is refused."""
    clock = parse_clock(at) if at else None
    if day is None and clock is None:
        raise Invalid("when is it due? say a day and, if you like, a time: 'next Tuesday', '12月3日 15:00'", kind="needs_due")
    if day is None:
        day = now.date() if dt.datetime.combine(now.date(), clock) > now else now.date() + dt.timedelta(days=1)
    due = dt.datetime.combine(day, clock or DEFAULT_HOUR)
    if clock is None and day == now.date() and due < now:  # "today", said after 09:00: later today, not refused
        due = (now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    if due < now - dt.timedelta(minutes=1):
        raise Invalid(f"{due:%Y-%m-%d %H:%M} is in the past; give a day from today on", kind="due_in_past", due=f"{due:%Y-%m-%d %H:%M}")
    return due


def parse_clock(text: str) -> dt.time:
    m = re.fullmatch(r"\s*(\d{1,2})(?:[:：.](\d{2}))?\s*(am|pm|点|时)?\s*", text.lower())
    if not m:
        raise ValueError(f"'{text}' is not a time of day; write e.g. '15:00' or '3pm'")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3) == "pm" and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        raise ValueError(f"'{text}' is not a time of day; write e.g. '15:00' or '3pm'")
    return dt.time(hour, minute)


def kind_of(title: str) -> str:
    lowered = title.lower()
    return next((kind for kind, words in KIND_WORDS.items() if any(w in lowered for w in words)), "follow_up")


LEADS = {"call": ("Call {who}", "给{who}打电话"), "email": ("Email {who}", "给{who}发邮件"),
         "meeting": ("Meet {who}", "与{who}会面"), "follow_up": ("Follow up with {who}", "跟进{who}"),
         "todo": ("Follow up with {who}", "跟进{who}")}
LEADING = re.compile(r"^(?:(?:to|with|about|for|我|给|和|跟|与)\s*)+", re.IGNORECASE)
# The speaker at the start of a Chinese to-do ("我下周二给王芳打电话"): the task is theirs; the title says what to do.
SPEAKER = re.compile(r"^\s*我(?![们的])(?=[\u4e00-\u9fff])")
FILLER = re.compile(r"^(?:to|with|about|for|on|the|and|给|和|跟|与|关于|一下|一)$", re.IGNORECASE)


def task_title(text: str, kind: str, who: str | None) -> str:
    """The words of the task. When the words do not name who it is about (the name was read off as the contact),
    the title leads with the kind and the name: "Call Mark Taylor", "给王总打电话"; any words left follow."""
    text = SPEAKER.sub("", " ".join((text or "").split())).strip(" ,.，。")
    if not who or who.lower() in text.lower():
        return _capitalised(text)
    zh = language_of(text or who) == "zh"
    lead = LEADS[kind][1 if zh else 0].format(who=who)
    rest = text
    for word in KIND_WORDS.get(kind, ()):
        rest = re.sub(re.escape(word), " ", rest, flags=re.IGNORECASE)
    tokens = [t for t in re.findall(r"[A-Za-z0-9][\w'-]*|[\u4e00-\u9fff]+", rest) if not FILLER.match(t)]
    substantial = sum(len(t) if re.match(r"[\u4e00-\u9fff]", t) else 2 for t in tokens) >= 4
    if not substantial:
        return lead
    text = LEADING.sub("", text).strip(" ,.，。")
    return f"{text}（{who}）" if zh else _capitalised(f"{text} ({who})")


def _capitalised(title: str) -> str:
    """A title starts with a capital, as a heading does ("Call Mark Taylor about the renewal")."""
    return title[:1].upper() + title[1:] if title[:1].islower() else title


def resolve_contact(session: Session, actor: Actor, name: str, account: Account | None = None) -> Contact:
    """A contact by name among the accounts the actor may see (optionally within one account)."""
    text = name.strip()
    q = scoped(select(Contact).join(Account, Account.id == Contact.account_id), actor, Account.unit_id)
    if account is not None:
        q = q.where(Contact.account_id == account.id)
    exact = session.scalars(q.where(func.lower(Contact.full_name) == text.lower())).all()
    found = exact or session.scalars(q.where(Contact.full_name.ilike(f"%{_escape(text)}%", escape="\\")).limit(8)).all()
    if len(found) == 1:
        return found[0]
    if found:
        raise Ambiguous("contacts", text, [f"{c.full_name} ({c.account.name})" for c in found])
    raise NotFound(f"no contact named '{text}' among the accounts you can see", kind="not_among_yours",
                   what="contact", name=text)


def create_task(session: Session, actor: Actor, *, title: str | None, now: dt.datetime, day: dt.date | None = None,
                at: str | None = None, account: str | None = None, deal: str | None = None,
                contact: str | None = None, kind: str | None = None, remind: bool = True) -> dict:
    """A task for the actor, due at `day`/`at`, linked to what it names; its reminder fires once when due."""
    require_staff(actor, "create tasks")
    if kind is not None and kind not in TASK_KINDS:
        raise ValueError(f"unknown task kind '{kind}'; use one of {', '.join(TASK_KINDS)}")
    due = due_time(day, at, now)
    acc = resolve_account(session, actor, account) if account else None
    person = resolve_contact(session, actor, contact, acc) if contact else None
    if person is not None and acc is None:
        acc = person.account
    target = resolve_deal(session, actor, deal, acc) if deal else None
    if target is not None and acc is None:
        acc = target.account
    if acc is not None:
        ensure_visible(actor, acc)
    kind = kind or kind_of(title or "")
    who = person.full_name if person else (f"D-{target.id} {target.title}" if target else acc.name if acc else None)
    title = task_title(title or "", kind, who)
    if not title:
        raise Invalid("what is the task? e.g. 'call Mark Taylor about the proposal'", kind="needs_task_text")
    task = Task(owner_id=actor.user_id, created_by=actor.user_id, unit_id=acc.unit_id if acc else actor.unit_id,
                account_id=acc.id if acc else None, deal_id=target.id if target else None,
                contact_id=person.id if person else None, kind=kind, title=title[:300], due_at=due,
                status="open", remind=remind, reminder_state="pending" if remind else "none", created_at=now)
    session.add(task)
    session.flush()
    when = f"{due:%a %Y-%m-%d %H:%M}"
    return {"done": f"T-{task.id}: {title} — due {when}" + (", I will remind you then" if remind else ""),
            "record": task_row(session, task, now, actor.login)}


def my_tasks(session: Session, actor: Actor, *, now: dt.datetime, overdue_only: bool = False,
             account: str | None = None, owner: str | None = None, within_days: int | None = None,
             limit: int = 30) -> tuple[list[dict], int, dict]:
    """Open tasks of the actor (a manager may name another owner), the most overdue first, and what was asked for
    ({"owner": "王芳"} for another's, {"account": …}): the reply words it in the reader's language."""
    require_staff(actor, "read tasks")
    owner_id, about = actor.user_id, {}
    if owner:
        user = resolve_user(session, owner)
        if user.id != actor.user_id and actor.role != "manager" and actor.role != "admin":
            raise AccessDenied("you can read your own tasks only; a manager may read a rep's", kind="own_tasks_only")
        owner_id, about = user.id, ({"owner": user.display_name} if user.id != actor.user_id else {})
    q = select(Task).where(Task.owner_id == owner_id, Task.status == "open")
    if overdue_only:
        q = q.where(Task.due_at < now)
    if within_days is not None:
        q = q.where(Task.due_at < dt.datetime.combine(now.date() + dt.timedelta(days=within_days + 1), dt.time()))
        about["due_by"] = str(now.date() + dt.timedelta(days=within_days))
    if account:
        acc = resolve_account(session, actor, account)
        q = q.where(Task.account_id == acc.id)
        about["account"] = acc.name
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(Task.due_at, Task.id).limit(limit)).all()
    return [task_row(session, t, now, actor.login) for t in rows], total, about


def close_task(session: Session, actor: Actor, *, task: str, now: dt.datetime, status: str = "done") -> dict:
    """Mark the actor's task done or cancelled; its reminder will not fire."""
    if status not in ("done", "cancelled"):
        raise ValueError("a task is closed as 'done' or 'cancelled'")
    found = _own_task(session, actor, task)
    if found.status != "open":
        raise Invalid(f"T-{found.id} is already {found.status}", kind="task_closed", task=f"T-{found.id}", status=found.status)
    found.status, found.closed_at = status, now
    if found.reminder_state == "pending":
        found.reminder_state = "none"
    session.flush()
    return {"done": f"T-{found.id} {status}: {found.title}", "record": task_row(session, found, now, actor.login)}


def _own_task(session: Session, actor: Actor, ref: str) -> Task:
    text = ref.strip()
    named = re.search(r"\bT-?(\d+)\b", text, re.IGNORECASE)
    digits = named.group(1) if named else text.upper().removeprefix("#")
    mine = select(Task).where(Task.owner_id == actor.user_id)
    if digits.isdigit():
        found = session.scalar(mine.where(Task.id == int(digits)))
        if found is None:
            raise NotFound(f"no task T-{digits} among your tasks", kind="not_among_yours", what="task",
                           name=f"T-{digits}")
        return found
    matches = session.scalars(mine.where(Task.status == "open",
                                         Task.title.ilike(f"%{_escape(text)}%", escape="\\")).limit(8)).all()
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise Ambiguous("tasks", text, [f"T-{t.id} {t.title}" for t in matches])
    raise NotFound(f"no open task of yours matching '{text}'", kind="not_among_yours", what="task", name=text)


def task_row(session: Session, t: Task, now: dt.datetime, reader: str = "system") -> dict:
    """A task as shown to its owner: its title and contact name pass the decision point for sales follow-up."""
    title = guard_text(session, t.title, PURPOSE, now, about=t.contact_id, actor=reader).text
    row = {"task": f"T-{t.id}", "title": title, "due": f"{t.due_at:%Y-%m-%d %H:%M}", "status": t.status}
    if t.status == "open" and t.due_at < now:
        row["overdue_days"] = (now.date() - t.due_at.date()).days
    if t.account_id:
        row["account"] = session.get(Account, t.account_id).name
    if t.deal_id:
        row["deal"] = f"D-{t.deal_id}"
    if t.contact_id:
        person = session.get(Contact, t.contact_id)
        row["contact"] = person_name(session, person, PURPOSE, now, actor=reader) if person else "[erased]"
    return row


def owner_login(session: Session, t: Task) -> str:
    return session.scalar(select(User.login).where(User.id == t.owner_id))

