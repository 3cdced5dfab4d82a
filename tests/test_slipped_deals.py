"""Deals that slipped: "which deals slipped past their expected close date?", "哪些商机已经过了预计成交日期还没成交？"
list the open deals whose expected close is before today (find_deals slipped), graded against the store; "还没成交" is
never read as the won stage, and a count of slipped deals stays a figure (query_metrics)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.models import OPEN_STAGES, Deal, User
from tests.conftest import FIXED_NOW
from tests.security.erasure_support import changed_rows, snapshot
from tests.test_sales_tools import call


def slipped_in_store(tessera, login: str | None = None) -> set[str]:
    with tessera.store.session() as s:
        q = select(Deal.id).where(Deal.stage.in_(OPEN_STAGES), Deal.expected_close < FIXED_NOW.date())
        if login:
            q = q.where(Deal.owner_id == s.scalar(select(User.id).where(User.login == login)))
        return {f"D-{i}" for i in s.scalars(q)}


def test_the_tool_lists_exactly_the_owners_open_deals_past_their_close_and_writes_nothing(tessera):
    before = snapshot(tessera.store)
    result = call(tessera, "li.wei", "find_deals", owner="me", slipped=True)
    assert result["ok"]
    shown = {d["deal"] for d in result["items"]}
    assert shown == slipped_in_store(tessera, "li.wei") and shown
    assert all(d["stage"] in OPEN_STAGES and d["expected_close"] < FIXED_NOW.date().isoformat()
               for d in result["items"])
    assert changed_rows(before, snapshot(tessera.store)) == {}


def test_a_customer_cannot_list_slipped_deals(tessera):
    assert call(tessera, "cust.li.na", "find_deals", slipped=True)["ok"] is False


@pytest.mark.parametrize(("login", "text", "owner"), [
    ("li.wei", "which of my deals have slipped?", "me"),
    ("li.wei", "show me my deals that are past their expected close date", "me"),
    ("wang.fang", "我有哪些单子已经过了预计成交日期还没成交？", "me"),
    ("zhao.lei", "逾期未成交的商机有哪些", None),
])
def test_asked_for_slipped_deals_the_open_ones_past_their_close_are_listed(tessera, login, text, owner):
    turn = tessera.chat(login, "slipped", text)
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"], turn.reply
    args = turn.tool_calls[0]["args"]
    assert args.get("slipped") is True and args.get("owner") == owner, args
    assert args.get("stage") != "won" and "period" not in args, args


def test_not_yet_closed_is_no_won_stage(tessera):
    turn = tessera.chat("wang.fang", "not-won", "我手上还没成交的单子")
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"]
    assert turn.tool_calls[0]["args"].get("stage") is None and turn.tool_calls[0]["args"].get("open") is True


def test_how_many_slipped_stays_a_figure(tessera):
    turn = tessera.chat("zhao.lei", "slipped-count", "how many deals slipped this quarter?")
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"]
    assert turn.tool_calls[0]["args"]["metrics"] == ["slipped_deals"]
