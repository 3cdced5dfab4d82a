"""People nobody has been in touch with: "who at Globex Logistics haven't we talked to in a month?" lists the account's
contacts with no call, meeting or e-mail in 30 days (find_contacts idle_days), graded against the store; every
contact shows when we last were in touch; reading writes nothing and withheld fields stay withheld."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from crm.models import Account, Activity, Contact
from evals.state import business_fingerprint, written_tables
from llm.offline.staleness import find_idle_days
from tests.conftest import FIXED_NOW
from tests.test_sales_tools import call


def quiet_contacts_in_store(tessera, account: str, days: int) -> set[str]:
    """The account's contacts whose newest activity is older than `days` days before FIXED_NOW, or who have none."""
    since = FIXED_NOW - dt.timedelta(days=days)
    with tessera.store.session() as s:
        account_id = s.scalar(select(Account.id).where(Account.name == account))
        found = set()
        for person in s.scalars(select(Contact).where(Contact.account_id == account_id)):
            last = s.scalar(select(func.max(Activity.occurred_at)).where(Activity.contact_id == person.id))
            if last is None or last < since:
                found.add(person.full_name)
        return found


@pytest.mark.parametrize(("text", "days"), [
    ("who at Globex Logistics haven't we talked to in a month?", 30),
    ("which contacts at Acme Robotics have we not reached out to for 3 weeks", 21),
    ("people at Initech we haven't been in touch with for two months", 60),
    ("海天电子有哪些人两个月没联系了", 60), ("华润新材料哪些联系人三周没有沟通了", 21),
])
def test_not_having_talked_to_someone_for_a_while_is_read_in_days(text, days):
    assert [f.value for f in find_idle_days(text)] == [days]


def test_only_the_people_quiet_that_long_are_listed_longest_silent_first_and_nothing_is_written(tessera):
    before = business_fingerprint(tessera.store)  # every table but the logs a read writes (audit, traces)
    every = call(tessera, "wang.fang", "find_contacts", account="Globex Logistics")
    quiet = call(tessera, "wang.fang", "find_contacts", account="Globex Logistics", idle_days=30)
    assert every["ok"] and quiet["ok"]
    assert {p["name"] for p in quiet["items"]} == quiet_contacts_in_store(tessera, "Globex Logistics", 30)
    assert 0 < len(quiet["items"]) < len(every["items"])  # the seed has both kinds at this account
    days = [p["last_contact"] or "" for p in quiet["items"]]
    assert days == sorted(days)  # never contacted ("") first, then the longest silent
    assert quiet["about"]["idle_days"] == 30
    assert written_tables(before, business_fingerprint(tessera.store)) == []


def test_every_contact_shows_the_day_we_were_last_in_touch(tessera):
    listed = call(tessera, "li.wei", "find_contacts", account="Acme Robotics")
    with tessera.store.session() as s:
        for person in listed["items"]:
            contact_id = s.scalar(select(Contact.id).where(Contact.full_name == person["name"]))
            last = s.scalar(select(func.max(Activity.occurred_at)).where(Activity.contact_id == contact_id))
            assert person["last_contact"] == (last.date().isoformat() if last else None)


def test_a_customer_and_another_units_rep_cannot_list_quiet_contacts(tessera):
    assert call(tessera, "cust.li.na", "find_contacts", account="Globex Logistics", idle_days=30)["ok"] is False
    other = call(tessera, "li.wei", "find_contacts", account="Globex Logistics", idle_days=30)
    assert other["ok"] is False and "Sarah Miller" not in str(other)


def test_a_rep_asks_in_english_and_gets_the_quiet_people_not_a_period(tessera):
    turn = tessera.chat("wang.fang", "quiet-en", "who at Globex Logistics haven't we talked to in a month?")
    assert [c["name"] for c in turn.tool_calls] == ["find_contacts"]
    assert turn.tool_calls[0]["args"] == {"account": "Globex Logistics", "idle_days": 30}
    quiet = quiet_contacts_in_store(tessera, "Globex Logistics", 30)
    assert quiet and all(name in turn.reply for name in quiet) and "孙浩" not in turn.reply  # 孙浩: talked to on 26 Nov
    assert turn.written == []


def test_a_rep_asks_in_chinese_and_the_columns_are_chinese(tessera):
    turn = tessera.chat("li.wei", "quiet-zh", "Acme Robotics 哪些联系人三周没联系了")
    assert [c["name"] for c in turn.tool_calls] == ["find_contacts"]
    assert turn.tool_calls[0]["args"].get("idle_days") == 21
    assert "最近联系" in turn.reply and "last_contact" not in turn.reply
