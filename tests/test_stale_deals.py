"""Deals gone without activity: "which of my deals haven't had any activity in the last three weeks?" lists the open
deals idle that long (find_deals idle_days), graded against the store; the words never become a close-date period."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from crm.models import OPEN_STAGES, Activity, Deal, User
from llm.offline.staleness import find_idle_days
from tests.conftest import FIXED_NOW
from tests.security.erasure_support import changed_rows, snapshot
from tests.test_sales_tools import call


def idle_deals_in_store(tessera, login: str, days: int, today: dt.date) -> set[str]:
    """The owner's open deals whose newest activity (or creation, never touched) is older than `days` days."""
    since = dt.datetime.combine(today - dt.timedelta(days=days), dt.time())
    with tessera.store.session() as s:
        owner = s.scalar(select(User.id).where(User.login == login))
        found = set()
        for deal in s.scalars(select(Deal).where(Deal.owner_id == owner, Deal.stage.in_(OPEN_STAGES))):
            last = s.scalar(select(func.max(Activity.occurred_at)).where(Activity.deal_id == deal.id))
            if (last is not None and last < since) or (last is None and deal.created_on <= since.date()):
                found.add(f"D-{deal.id}")
        return found


@pytest.mark.parametrize(("text", "days"), [
    ("which of my deals haven't had any activity in the last three weeks?", 21),
    ("deals that haven't been touched for two weeks or more", 14),
    ("show deals that have gone quiet over the past month", 30),
    ("哪些商机三周没有跟进了？", 21), ("超过两周没动静的单子", 14), ("近30天没有活动的商机", 30),
    ("没有跟进超过10天的商机", 10),
])
def test_no_activity_for_a_while_is_read_in_days(text, days):
    assert [f.value for f in find_idle_days(text)] == [days]


@pytest.mark.parametrize("text", ["deals closing in the last 3 weeks", "which deals had activity in the last two weeks",
                                  "上个月赢单的商机", "我有哪些逾期没跟进的事情？"])
def test_a_period_without_a_no_activity_cue_is_no_idle_time(text):
    assert find_idle_days(text) == []


def test_the_tool_lists_exactly_the_owners_open_deals_idle_that_long_and_writes_nothing(tessera):
    before = snapshot(tessera.store)
    result = call(tessera, "wang.fang", "find_deals", owner="me", idle_days=21)
    assert result["ok"]
    shown = {d["deal"] for d in result["items"]}
    assert shown == idle_deals_in_store(tessera, "wang.fang", 21, FIXED_NOW.date())
    assert shown and all(d["stage"] in OPEN_STAGES for d in result["items"])
    assert all("last_activity" in d for d in result["items"])
    assert changed_rows(before, snapshot(tessera.store)) == {}


def test_a_customer_cannot_list_idle_deals(tessera):
    result = call(tessera, "cust.li.na", "find_deals", idle_days=21)
    assert result["ok"] is False


def test_the_rep_asks_in_english_and_gets_idle_deals_not_a_close_date_period(tessera):
    turn = tessera.chat("wang.fang", "idle-en", "which of my deals haven't had any activity in the last three weeks?")
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"]
    args = turn.tool_calls[0]["args"]
    assert args.get("idle_days") == 21 and "period" not in args and args.get("owner") == "me"


def test_the_rep_asks_in_chinese_and_the_reply_is_chinese(tessera):
    turn = tessera.chat("li.wei", "idle-zh", "哪些商机三周没有跟进了？")
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"]
    assert turn.tool_calls[0]["args"].get("idle_days") == 21
    assert "21 天以上无跟进" in turn.reply  # the lead sentence spaces numbers as "共找到 47 个" does
