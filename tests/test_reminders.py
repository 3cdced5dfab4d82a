"""A reminder set in chat fires once at its time in a fake Slack, and a restart neither repeats it nor loses one
that fell due while Tessera was down; two schedulers on one store send each reminder once."""
from __future__ import annotations

import datetime as dt
import re
import threading

import pytest

from channels.http_api import create_app
from channels.identities import demo_slack_id, seed_channels
from crm.tasks.models import Task
from tests.channel_support import FakeApi
from tests.conftest import FIXED_NOW, settings_for
from tessera.runtime import Tessera

LI_WEI = demo_slack_id("li.wei")


@pytest.fixture
def slack_api():
    api = FakeApi({"/chat.postMessage": lambda c: {"ok": True, "ts": "1800000000.000900", "channel": c.body["channel"]}})
    yield api
    api.close()


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def start(data_dir, slack_api, clock) -> Tessera:
    """`tessera serve` as far as reminders go: the runtime, the app with Slack mounted (which registers the sender)."""
    settings = settings_for(data_dir, slack={"signing_secret": "sec", "bot_token": "xoxb-test", "api_url": slack_api.url})
    tessera = Tessera(settings, clock=clock, seed=False)
    with tessera.store.session() as s:
        seed_channels(s)
    create_app(tessera)
    return tessera


def sent_about(slack_api, task_id: int) -> list:
    return [c for c in slack_api.calls_to("/chat.postMessage") if re.search(rf"\bT-{task_id}(?!\d)", c.body["text"])]


def task_ids(tessera) -> list[int]:
    with tessera.store.session() as s:
        return [t.id for t in s.query(Task).filter(Task.source == "chat").order_by(Task.id)]


def test_a_reminder_set_in_chat_fires_once_at_its_time_and_not_again_after_a_restart(data_dir, slack_api):
    clock = Clock(FIXED_NOW)  # Thursday 2026-11-26 10:00
    tessera = start(data_dir, slack_api, clock)
    reply = tessera.chat("li.wei", "t1", "remind me to call Mark Taylor next Tuesday")
    [call] = reply.tool_calls
    assert call["name"] == "create_task"
    [task_id] = task_ids(tessera)
    with tessera.store.session() as s:
        task = s.get(Task, task_id)
        assert task.due_at == dt.datetime(2026, 12, 1, 9, 0) and task.contact_id == 1  # Mark Taylor of Acme
    assert tessera.reminders.run_once() == [] or not sent_about(slack_api, task_id)  # not due yet
    clock.now = dt.datetime(2026, 12, 1, 8, 59)
    tessera.reminders.run_once()
    assert sent_about(slack_api, task_id) == []
    clock.now = dt.datetime(2026, 12, 1, 9, 0)
    tessera.reminders.run_once()
    [dm] = sent_about(slack_api, task_id)
    assert dm.body["channel"] == LI_WEI and "Mark Taylor" in dm.body["text"]
    clock.now = dt.datetime(2026, 12, 1, 9, 30)
    tessera.reminders.run_once()
    tessera.close()

    restarted = start(data_dir, slack_api, clock)
    restarted.reminders.run_once()
    restarted.close()
    assert len(sent_about(slack_api, task_id)) == 1
    with restarted.store.session() as s:
        assert s.get(Task, task_id).reminder_state == "sent"


def test_a_reminder_due_while_tessera_was_down_fires_when_it_starts_again(data_dir, slack_api):
    clock = Clock(FIXED_NOW)
    tessera = start(data_dir, slack_api, clock)
    tessera.chat("li.wei", "t1", "提醒我明天给北辰医疗器械发修订报价")
    [task_id] = task_ids(tessera)
    tessera.close()  # down from Thursday to Saturday
    clock.now = dt.datetime(2026, 11, 28, 8, 0)
    restarted = start(data_dir, slack_api, clock)
    restarted.reminders.run_once()
    restarted.reminders.run_once()
    restarted.close()
    [dm] = sent_about(slack_api, task_id)
    assert "北辰医疗器械" in dm.body["text"] and "提醒" in dm.body["text"]  # li.wei reads Chinese


def test_two_schedulers_on_one_store_send_each_due_reminder_once(data_dir, slack_api):
    clock = Clock(dt.datetime(2026, 12, 10, 9, 0))  # every seeded reminder still pending is due by now
    first, second = start(data_dir, slack_api, clock), start(data_dir, slack_api, clock)
    with first.store.session() as s:
        pending = s.query(Task).filter(Task.reminder_state == "pending", Task.due_at <= clock.now).count()
    assert pending > 5
    barrier = threading.Barrier(2)

    def run(tessera):
        barrier.wait()
        tessera.reminders.run_once()

    threads = [threading.Thread(target=run, args=(t,)) for t in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first.close()
    second.close()
    texts = [c.body["text"] for c in slack_api.calls_to("/chat.postMessage")]
    with first.store.session() as s:
        sent = s.query(Task).filter(Task.reminder_state == "sent", Task.reminded_at == clock.now).count()
        failed = s.query(Task).filter(Task.reminder_state == "failed").count()
    assert len(texts) == len(set(texts)) == sent  # each one once
    assert sent + failed == pending  # a rep with no Slack account is marked failed, not retried forever


def test_a_done_task_does_not_remind_and_the_serve_thread_sends_on_its_own(data_dir, slack_api):
    clock = Clock(FIXED_NOW)
    tessera = start(data_dir, slack_api, clock)
    tessera.chat("li.wei", "t1", "remind me to call Mark Taylor next Tuesday")
    tessera.chat("li.wei", "t2", "remind me tomorrow at 3pm to send the quote to Acme Robotics")
    first, second = task_ids(tessera)
    done = tessera.chat("li.wei", "t3", f"mark T-{first} as done")
    assert done.tool_calls[0]["name"] == "complete_task"
    clock.now = dt.datetime(2026, 12, 2, 9, 0)
    tessera.reminders.poll_seconds = 0.05
    tessera.reminders.start()
    slack_api.wait_for("/chat.postMessage")
    for _ in range(50):  # wait until the poll that sent the second one has marked it
        with tessera.store.session() as s:
            if s.get(Task, second).reminder_state == "sent":
                break
        threading.Event().wait(0.05)
    tessera.close()
    assert sent_about(slack_api, first) == []
    [dm] = sent_about(slack_api, second)
    assert "Send the quote to Acme Robotics" in dm.body["text"]  # a task title says what to do, capitalised
