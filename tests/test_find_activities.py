"""Seeing the activities logged: by account, the rep's own, by kind and by period, within the rep's units; each passage
through the privacy guard; a question lists them, a statement logs, a count is a figure."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from crm.models import Account, Activity, User
from tests.conftest import FIXED_NOW
from tests.privacy_support import call as pcall, privacy_dir, ptessera  # noqa: F401
from tessera.runtime import Tessera
from tools.base import ToolContext
from tools.registry import ALL

OCTOBER = {"start": "2026-10-01", "end": "2026-10-31"}


def call(tessera: Tessera, login: str, **args) -> dict:
    ctx = ToolContext(store=tessera.store, actor=tessera.actor(login), clock=lambda: FIXED_NOW)
    return ALL["find_activities"].invoke(ctx, args)


def logged(tessera: Tessera, *where) -> list[str]:
    """The links of the activities matching `where`, newest first, read straight from the store."""
    with tessera.store.session() as s:
        q = select(Activity.id).join(Account, Activity.account_id == Account.id).where(*where)
        return [f"A-{i}" for i in s.scalars(q.order_by(Activity.occurred_at.desc(), Activity.id.desc()))]


def test_what_we_logged_with_an_account_last_month_is_every_activity_there_in_october(tessera):
    found = call(tessera, "li.wei", account="Acme Robotics", period=OCTOBER)
    expected = logged(tessera, Account.name == "Acme Robotics", Activity.occurred_at >= dt.datetime(2026, 10, 1),
                      Activity.occurred_at < dt.datetime(2026, 11, 1))
    assert expected and [i["link"] for i in found["items"]] == expected[:50] and found["total"] == len(expected)
    assert {i["account"] for i in found["items"]} == {"Acme Robotics"}


def test_my_calls_are_the_reps_own_calls_only(tessera):
    found = call(tessera, "wang.fang", owner="me", kind="call")
    with tessera.store.session() as s:
        me = s.scalar(select(User.id).where(User.login == "wang.fang"))
    expected = logged(tessera, Activity.user_id == me, Activity.kind == "call")
    assert expected and found["total"] == len(expected) and [i["link"] for i in found["items"]] == expected[:50]
    assert {i["kind"] for i in found["items"]} == {"call"} and {i["by"] for i in found["items"]} == {"王芳"}


def test_without_filters_a_rep_sees_only_their_units_activities(tessera):
    found = call(tessera, "james.liu")
    with tessera.store.session() as s:
        unit5 = set(s.scalars(select(Account.name).where(Account.unit_id == 5)))
    assert found["items"] and {i["account"] for i in found["items"]} <= unit5  # (no account is shared in the seed)


def test_another_units_account_is_refused_and_a_customer_may_not_list_activities(tessera):
    other = call(tessera, "wang.fang", account="Acme Robotics")
    assert not other["ok"] and "among the accounts you can see" in other["error"]
    assert "Acme Robotics" not in str(other.get("items"))
    customer = call(tessera, "cust.mark.taylor", account="Acme Robotics")
    assert not customer["ok"] and customer["error_kind"] == "staff_only"


def test_a_phone_in_a_note_is_withheld_once_its_person_withdrew_sales_follow_up(ptessera):
    contacts = pcall(ptessera, "li.wei", "find_contacts", account="北辰医疗器械")["items"]
    phone = next(i["phone"] for i in contacts if i["name"] == "陈静")
    assert pcall(ptessera, "li.wei", "log_activity", account="北辰医疗器械", kind="call", contact="陈静",
                 subject=f"陈静 wants the battery price list, call back on {phone}, ref ember-otter")["ok"]
    before = pcall(ptessera, "li.wei", "find_activities", account="北辰医疗器械", kind="call")
    assert phone in before["items"][0]["passage"] and "ember-otter" in before["items"][0]["passage"]
    assert pcall(ptessera, "cust.chen.jing", "revoke_consent", what="sales follow-up")["ok"]
    after = pcall(ptessera, "li.wei", "find_activities", account="北辰医疗器械", kind="call")
    mine = after["items"][0]
    assert mine["link"] == before["items"][0]["link"] and phone not in str(after["items"])
    assert any(w.startswith(mine["link"]) for w in after["withheld"])
    assert [i["link"] for i in after["items"]] == [i["link"] for i in before["items"]]  # the list itself is unchanged


def test_asking_to_see_lists_while_a_statement_logs_and_a_count_is_a_figure(tessera):
    asked = tessera.chat("li.wei", "a", "What did we log with Acme Robotics last month?")
    assert [c["name"] for c in asked.tool_calls] == ["find_activities"], asked.reply
    assert asked.tool_calls[0]["args"]["account"] == "Acme Robotics"
    before = logged(tessera)
    counted = tessera.chat("li.wei", "b", "这周我一共打了几个电话？")
    assert [c["name"] for c in counted.tool_calls] == ["query_metrics"], counted.reply
    told = tessera.chat("emma.chen", "c", "sent Trey Electronics the pricing sheet by email this morning")
    assert [c["name"] for c in told.tool_calls] == ["log_activity"], told.reply
    assert len(logged(tessera)) == len(before) + 1  # the statement wrote its one activity, the questions none
