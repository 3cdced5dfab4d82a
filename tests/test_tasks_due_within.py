"""A rep asking what falls due soon ("tasks due in the next 3 days", "这周有哪些待办", "三天内到期的任务") gets their
open tasks due by then, overdue ones included, and nothing is written."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from crm.models import User
from crm.tasks.models import Task
from llm.offline.due_window import find_days_ahead
from tests.security.erasure_support import changed_rows, snapshot

MONDAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize(("text", "days"), [
    ("what tasks are due in the next 3 days", 3),
    ("anything due within two weeks?", 14),
    ("三天内到期的任务", 3),
    ("未来五天有哪些提醒", 5),
    ("what are my tasks for this week", 6),  # Monday: the week runs to Sunday
    ("这周我有哪些待办", 6),
    ("what's due today", 0),
    ("明天有什么要做的", 1),
])
def test_how_far_ahead_is_read_in_days_from_today(text, days):
    assert [f.value for f in find_days_ahead(text, MONDAY)][:1] == [days]


def test_no_window_is_read_where_none_is_said():
    assert find_days_ahead("what are my tasks", MONDAY) == []
    assert find_days_ahead("deals with no activity for 3 days", MONDAY) == []


def test_this_week_on_a_sunday_is_that_day():
    assert find_days_ahead("this week", dt.date(2026, 12, 6))[0].value == 0


@pytest.mark.parametrize("text", ["what tasks are due in the next 3 days", "三天内到期的任务"])
def test_tasks_due_soon_are_the_reps_open_tasks_due_by_then(tessera, text):
    before = snapshot(tessera.store)
    turn = tessera.chat("li.wei", "due-soon", text)
    assert [c["name"] for c in turn.tool_calls] == ["my_tasks"], turn.reply
    assert turn.tool_calls[0]["args"].get("within_days") == 3
    now = tessera.clock()
    with tessera.store.session() as s:
        me = s.scalar(select(User.id).where(User.login == "li.wei"))
        due = s.scalars(select(Task.id).where(Task.owner_id == me, Task.status == "open", Task.due_at < dt.datetime.combine(
            now.date() + dt.timedelta(days=4), dt.time()))).all()
    assert len(due) > 0 and str(len(due)) in turn.reply.split("\n")[0]
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "privacy_audit_log"}
