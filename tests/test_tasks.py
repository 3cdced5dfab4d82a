"""Tasks and reminders as a rep uses them: created in chat with a due time and a link, listed (overdue ones are
follow-ups the rep let slip, not every deal), closed; scoped to the owner; reached by erasure."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from crm.models import Contact, Deal, User
from crm.tasks.models import Task
from crm.tasks.service import due_time, task_title
from tests.conftest import FIXED_NOW
from tests.privacy_support import privacy_dir, ptessera  # noqa: F401
from tessera.runtime import Tessera
from tools.base import ToolContext
from tools.registry import ALL


def call(tessera: Tessera, login: str, tool: str, **args) -> dict:
    ctx = ToolContext(store=tessera.store, actor=tessera.actor(login), clock=lambda: FIXED_NOW)
    return ALL[tool].invoke(ctx, args)


def rows(tessera: Tessera, entity) -> list[tuple]:
    with tessera.store.session() as s:
        return [tuple(getattr(r, c.key) for c in entity.__table__.columns) for r in s.scalars(select(entity))]


def test_overdue_follow_ups_are_the_reps_own_open_tasks_past_due_and_nothing_else(tessera):
    with tessera.store.session() as s:
        li = s.scalar(select(User).where(User.login == "li.wei"))
        expected = {f"T-{t.id}" for t in s.scalars(select(Task).where(
            Task.owner_id == li.id, Task.status == "open", Task.due_at < FIXED_NOW))}
    assert expected  # the seed gives li.wei follow-ups that slipped
    before = rows(tessera, Task)
    turn = tessera.chat("li.wei", "t", "我有哪些逾期没跟进的事情？")
    assert [c["name"] for c in turn.tool_calls] == ["overdue_followups"]
    listed = call(tessera, "li.wei", "overdue_followups")
    assert {i["task"] for i in listed["items"]} == expected and listed["total"] == len(expected)
    assert all(i["overdue_days"] > 0 for i in listed["items"])
    assert all(t in turn.reply for t in expected) and "D-" in turn.reply
    assert rows(tessera, Task) == before  # a question writes nothing


def test_remind_me_in_chat_creates_one_task_linked_to_the_contact_due_that_day(tessera):
    turn = tessera.chat("li.wei", "t", "remind me to call Mark Taylor next Tuesday")
    assert [c["name"] for c in turn.tool_calls] == ["create_task"]
    with tessera.store.session() as s:
        [task] = s.scalars(select(Task).where(Task.source == "chat")).all()
        mark = s.get(Contact, task.contact_id)
        assert (mark.full_name, mark.account.name) == ("Mark Taylor", "Acme Robotics")
        assert task.due_at == dt.datetime(2026, 12, 1, 9, 0) and task.reminder_state == "pending"
        assert "Mark Taylor" in task.title
    assert "2026-12-01 09:00" in turn.reply


def test_a_reminder_is_titled_by_what_to_do_not_by_the_asking_or_the_day(tessera):
    tessera.chat("li.wei", "en", "remind me to call Mark Taylor next Tuesday about the renewal")
    tessera.chat("li.wei", "zh", "提醒我下周二给陈静打电话谈续约")
    with tessera.store.session() as s:
        made = {t.title: t.due_at for t in s.scalars(select(Task).where(Task.source == "chat"))}
    assert made == {"Call Mark Taylor about the renewal": dt.datetime(2026, 12, 1, 9, 0),
                    "给陈静打电话谈续约": dt.datetime(2026, 12, 1, 9, 0)}


@pytest.mark.parametrize("asked, title", [
    ("I need a task to send Mark Taylor the pricing sheet", "Send Mark Taylor the pricing sheet"),
    ("could you set a reminder to email Mark Taylor the contract", "Email Mark Taylor the contract"),
    ("make me a follow-up task: call Mark Taylor about the renewal", "Call Mark Taylor about the renewal"),
    ("帮我建个任务：给陈静发修订报价", "给陈静发修订报价"),
    ("我需要一个提醒，给陈静打电话谈续约", "给陈静打电话谈续约"),
])
def test_a_task_is_titled_without_the_words_that_asked_for_it(tessera, asked, title):
    made = call(tessera, "li.wei", "create_task", what=asked, day="2026-12-03")
    assert made["ok"] and made["record"]["title"] == title
    kept = call(tessera, "li.wei", "create_task", what="task list review with Acme Robotics", day="2026-12-03")
    assert kept["record"]["title"] == "Task list review with Acme Robotics"  # a title that merely starts so


def test_a_request_outside_the_crm_is_declined_and_creates_no_task(tessera):
    before = rows(tessera, Task)
    for thread, text in enumerate(["please book me a train ticket to Beijing for Thursday",
                                   "remind me to order pizza for the team on Friday",
                                   "帮我预订下周三去深圳的酒店", "明天中午帮我点个外卖",
                                   "remind me to pick up my dry cleaning tomorrow"]):
        turn = tessera.chat("li.wei", f"t{thread}", text)
        assert turn.tool_calls == [], (text, turn.tool_calls)
        assert "can't do that yet" in turn.reply or "还做不了" in turn.reply, turn.reply
    assert rows(tessera, Task) == before
    kept = tessera.chat("li.wei", "past", "remind me on Monday to email Hannah Brown the booking details")
    assert [c["name"] for c in kept.tool_calls] == ["create_task"]  # a follow-up that mentions a booking stays one


def test_a_time_in_the_words_sets_the_hour_and_a_past_day_is_refused(tessera):
    made = call(tessera, "li.wei", "create_task", what="at 3pm send the quote", day="2026-11-27",
                account="Acme Robotics")
    assert made["ok"] and made["record"]["due"] == "2026-11-27 15:00"
    assert made["record"]["title"] == "Send the quote (Acme Robotics)"
    zh = call(tessera, "li.wei", "create_task", what="下午3点半发修订报价", day="2026-11-27", account="北辰医疗器械")
    assert zh["record"]["due"] == "2026-11-27 15:30" and zh["record"]["title"] == "发修订报价（北辰医疗器械）"
    before = rows(tessera, Task)
    past = call(tessera, "li.wei", "create_task", what="call Acme", day="2026-11-20")
    assert not past["ok"] and "in the past" in past["error"]
    vague = call(tessera, "li.wei", "create_task", what="call Acme")
    assert not vague["ok"] and "when is it due" in vague["error"]
    assert rows(tessera, Task) == before


def test_a_rep_cannot_link_a_task_to_another_units_account_nor_close_someone_elses_task(tessera):
    before = rows(tessera, Task)
    other = call(tessera, "wang.fang", "create_task", what="call them", day="2026-11-30", account="Acme Robotics")
    assert not other["ok"] and "among the accounts you can see" in other["error"]
    with tessera.store.session() as s:
        li = s.scalar(select(User).where(User.login == "li.wei"))
        lis = s.scalar(select(Task.id).where(Task.owner_id == li.id, Task.status == "open"))
    closed = call(tessera, "wang.fang", "complete_task", task=f"T-{lis}")
    assert not closed["ok"] and "among your tasks" in closed["error"]
    peek = call(tessera, "wang.fang", "my_tasks", owner="li.wei")
    assert not peek["ok"] and "own tasks" in peek["error"]
    assert rows(tessera, Task) == before
    customer = call(tessera, "cust.chen.jing", "my_tasks")
    assert not customer["ok"]


def test_closing_a_task_changes_that_task_only_and_stops_its_reminder(tessera):
    made = call(tessera, "li.wei", "create_task", what="send the proposal", day="2026-11-30", account="Acme Robotics")
    task_id = int(made["record"]["task"].removeprefix("T-"))
    before = [r for r in rows(tessera, Task) if r[0] != task_id]
    done = call(tessera, "li.wei", "complete_task", task=f"T-{task_id}")
    assert done["ok"]
    with tessera.store.session() as s:
        t = s.get(Task, task_id)
        assert (t.status, t.reminder_state, t.closed_at) == ("done", "none", FIXED_NOW)
    assert [r for r in rows(tessera, Task) if r[0] != task_id] == before
    again = call(tessera, "li.wei", "complete_task", task=f"T-{task_id}")
    assert not again["ok"] and "already done" in again["error"]


def test_titles_lead_with_the_kind_and_the_person_when_the_words_lost_the_name():
    assert task_title("", "call", "Mark Taylor") == "Call Mark Taylor"
    assert task_title("给打电话", "call", "王总") == "给王总打电话"
    assert task_title("to send the revised quote", "follow_up", "Acme") == "Send the revised quote (Acme)"
    assert task_title("call Mark about pricing", "call", "Mark") == "Call Mark about pricing"
    assert task_title("我给王总发报价", "follow_up", None) == "给王总发报价"  # the speaker is not the task
    assert task_title("我们的续约方案", "follow_up", None) == "我们的续约方案"
    assert due_time(dt.date(2026, 12, 1), None, FIXED_NOW) == dt.datetime(2026, 12, 1, 9, 0)
    assert due_time(None, "17:00", FIXED_NOW) == dt.datetime(2026, 11, 26, 17, 0)
    assert due_time(None, "8am", FIXED_NOW) == dt.datetime(2026, 11, 27, 8, 0)


def test_erasing_a_person_reaches_the_tasks_about_them_and_leaves_every_other_task_as_it_was(ptessera):
    with ptessera.store.session() as s:
        chen = s.scalar(select(Contact).where(Contact.full_name == "陈静"))
        deal = s.scalar(select(Deal.id).where(Deal.account_id == chen.account_id, Deal.stage == "proposal"))
    made = call(ptessera, "li.wei", "create_task", what="给陈静打电话确认报价", day="2026-11-30", contact="陈静")
    quoting = call(ptessera, "li.wei", "create_task", what="ask 刘强 whether 陈静 approved the quote",
                   day="2026-11-30", deal=f"D-{deal}")
    assert made["ok"] and quoting["ok"]
    ids = {int(made["record"]["task"][2:]), int(quoting["record"]["task"][2:])}
    with ptessera.store.session() as s:
        about_her = {t.id for t in s.scalars(select(Task).where(Task.contact_id == chen.id))}
    untouched = [r for r in rows(ptessera, Task) if r[0] not in ids | about_her]
    asked = ptessera.chat("cust.chen.jing", "me", "删除我的全部数据")
    assert [c["name"] for c in asked.tool_calls] == ["erase_my_data"], asked.reply
    ptessera.chat("cust.chen.jing", "me", "确认")  # the plan first, then her yes
    [report] = ptessera.erasures.drain()
    assert report["erased"]["tasks and reminders"] >= 2
    with ptessera.store.session() as s:
        titles = [t.title for t in s.scalars(select(Task).where(Task.id.in_(ids | about_her)))]
    assert not any("陈静" in t for t in titles)
    assert any(t.startswith("Ask 刘强 whether [erased] approved the quote") for t in titles)  # an English title
    assert [r for r in rows(ptessera, Task) if r[0] not in ids | about_her] == untouched


def test_a_bare_weekday_that_is_today_means_next_week_and_today_without_a_time_means_later_today(tessera):
    # FIXED_NOW is Thursday 2026-11-26 10:00: "on Thursday" is next week's, not a day refused as past
    assert FIXED_NOW.weekday() == 3
    before = rows(tessera, Task)
    en = tessera.chat("li.wei", "thu-en", "remind me to call Mark Taylor on Thursday")
    zh = tessera.chat("li.wei", "thu-zh", "周四提醒我给Mark Taylor发报价")
    assert [(c["name"], c["args"].get("day")) for c in en.tool_calls + zh.tool_calls] == \
        [("create_task", "2026-12-03"), ("create_task", "2026-12-03")]
    this_week = tessera.chat("li.wei", "thu-this", "remind me this Thursday to email Mark Taylor")
    assert this_week.tool_calls[0]["args"]["day"] == "2026-11-26"  # "this Thursday" is today, said so
    today = call(tessera, "li.wei", "create_task", what="call Acme", day="2026-11-26")
    assert today["ok"] and today["record"]["due"] == "2026-11-26 11:00"
    after = rows(tessera, Task)
    assert [r for r in after if r in before] == before  # every earlier task is as it was
    assert len(after) == len(before) + 4


def test_a_reminder_about_someone_outside_the_reps_contacts_links_no_namesake(tessera):
    # Sarah Miller works at another unit's account; the only Sarah li.wei's unit knows is Sarah Campbell
    before = rows(tessera, Task)
    turn = tessera.chat("li.wei", "t", "remind me to call Sarah Miller back on Thursday about the renewal")
    assert [c["name"] for c in turn.tool_calls] == ["create_task"]
    with tessera.store.session() as s:
        [task] = s.scalars(select(Task).where(Task.source == "chat")).all()
        assert task.contact_id is None and task.account_id is None
        assert task.title == "Call Sarah Miller back about the renewal"
        assert task.due_at == dt.datetime(2026, 12, 3, 9, 0)
    after = rows(tessera, Task)
    assert len(after) == len(before) + 1 and all(r in after for r in before)  # every other task as it was
    assert "Campbell" not in turn.reply
