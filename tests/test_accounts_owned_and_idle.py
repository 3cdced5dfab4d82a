"""A rep's own accounts and those nobody has touched for a while: find_accounts by owner ("me" is the caller) and by
idle days (nothing logged for at least that many days, or ever), within the reader's units, checked against SQL
written here; asked in words ("which of my customers haven't I talked to in over a month?"), nothing is written."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from crm.actor import AccessDenied, Invalid
from crm.services.accounts import find_accounts
from evals.state import business_fingerprint, written_tables
from tests.conftest import FIXED_NOW

TODAY = FIXED_NOW.date()


def _names(store, sql: str, **params) -> set[str]:
    with store.engine.connect() as c:
        return set(c.execute(text(sql), params).scalars())


def test_my_accounts_are_those_i_own(tessera):
    actor = tessera.actor("li.wei")
    with tessera.store.session() as s:
        rows, total, about = find_accounts(s, actor, owner="me", limit=500)
    expected = _names(tessera.store, "select a.name from accounts a join users u on u.id = a.owner_id "
                                     "where u.login = 'li.wei'")
    assert expected and {r["account"] for r in rows} == expected and total == len(expected)
    assert about["owner"] == rows[0]["owner"]


def test_idle_accounts_are_those_with_nothing_logged_since_the_day(tessera):
    actor = tessera.actor("wang.fang")
    since = dt.datetime.combine(TODAY - dt.timedelta(days=90), dt.time())
    with tessera.store.session() as s:
        rows, total, _ = find_accounts(s, actor, idle_days=90, today=TODAY, limit=500)
    expected = _names(tessera.store, """
        select a.name from accounts a join users u on u.login = 'wang.fang' and a.unit_id = u.unit_id
        where coalesce((select max(occurred_at) from activities t where t.account_id = a.id), a.created_at) < :since
          and (exists (select 1 from activities t where t.account_id = a.id) or a.created_at <= :since)""",
                      since=since)
    assert expected and {r["account"] for r in rows} == expected and total == len(expected)
    touched = [r["last_activity"] for r in rows if r["last_activity"]]
    assert touched == sorted(touched) and all(day < since.date().isoformat() for day in touched)


def test_another_units_accounts_never_show(tessera):
    with tessera.store.session() as s:
        rows, _, _ = find_accounts(s, tessera.actor("li.wei"), idle_days=1, today=TODAY, limit=500)
    visible = _names(tessera.store, """
        select a.name from accounts a join users u on u.login = 'li.wei'
        where a.unit_id = u.unit_id or a.id in (select account_id from shared_accounts where unit_id = u.unit_id)""")
    elsewhere = _names(tessera.store, "select name from accounts") - visible
    assert rows and elsewhere and {r["account"] for r in rows} <= visible


def test_a_customer_is_refused_and_a_bad_span_is_a_clear_error(tessera):
    with tessera.store.session() as s:
        with pytest.raises(AccessDenied):
            find_accounts(s, tessera.actor("cust.mark.taylor"), owner="me")
        with pytest.raises(Invalid):
            find_accounts(s, tessera.actor("li.wei"), idle_days=0, today=TODAY)


@pytest.mark.parametrize("login, message, args", [
    ("li.wei", "which of my customers haven't I talked to in over a month?", {"owner": "me", "idle_days": 30}),
    ("li.wei", "我有哪些客户超过60天没跟进了？", {"owner": "me", "idle_days": 60}),
    ("emma.chen", "list my accounts", {"owner": "me"}),
])
def test_asked_in_words_nothing_is_written(tessera, login, message, args):
    before = business_fingerprint(tessera.store)
    turn = tessera.chat(login, "t", message)
    assert [(c["name"], c["args"]) for c in turn.tool_calls] == [("find_accounts", args)], turn.reply
    assert written_tables(before, business_fingerprint(tessera.store)) == []
