"""A metric query's statements, and their text shown under "how it was computed", are built once per question shape
(catalog, metrics, grouping, scope, filters, period, day, people left out, dialect) and kept: they hold no row of the
store, so every answer still reads the rows as they are now."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import text

from crm.metrics import MetricQuery, run_query
from crm.metrics import engine
from crm.privacy.consents import record_consent
from crm.store import Store
from tests.metrics_support import AS_OF, NOW, caller


@pytest.fixture
def mstore(seeded_template, tmp_path):
    path = tmp_path / "m.db"
    shutil.copy(seeded_template, path)
    store = Store(f"sqlite:///{path}")
    yield store
    store.dispose()


def ask(store, login, query):
    with store.session() as s:
        return run_query(s, MetricQuery.of(query), caller(s, login), as_of=AS_OF, now=NOW)


def write(store, sql):
    with store.session() as s:
        s.execute(text(sql))


WON_BY_REGION = {"metrics": ["won_value"], "group_by": ["region"]}


def test_a_write_to_the_rows_shows_at_the_next_question_and_an_unrelated_write_changes_nothing(mstore):
    first = ask(mstore, "admin", WON_BY_REGION)
    write(mstore, "UPDATE accounts SET name = name || ' (renamed)' WHERE id = (SELECT MIN(id) FROM accounts)")
    unrelated = ask(mstore, "admin", WON_BY_REGION)
    assert unrelated.rows == first.rows and unrelated.totals == first.totals and unrelated.sql == first.sql
    write(mstore, "UPDATE deals SET amount = amount + 1000 WHERE id = (SELECT MIN(id) FROM deals WHERE stage = 'won')")
    after = ask(mstore, "admin", WON_BY_REGION)
    assert after.totals["won_value"] == pytest.approx(first.totals["won_value"] + 1000)
    assert after.sql == first.sql  # the same statement, run again on the rows as they are now


def test_the_kept_text_is_what_a_fresh_build_renders(mstore):
    kept = ask(mstore, "zhao.lei", {"metrics": ["win_rate"], "group_by": ["unit"],
                                    "period": {"fiscal_year": 2025, "quarter": 3}})
    engine._BUILT.clear()
    fresh = ask(mstore, "zhao.lei", {"metrics": ["win_rate"], "group_by": ["unit"],
                                     "period": {"fiscal_year": 2025, "quarter": 3}})
    assert kept.sql == fresh.sql and kept.rows == fresh.rows
    assert "deals.closed_on >= '2025-07-01'" in kept.sql[0]


def test_another_scope_period_or_refusal_gets_its_own_statement(mstore):
    admin = ask(mstore, "admin", {"metrics": ["cases_opened"]})
    manager = ask(mstore, "zhao.lei", {"metrics": ["cases_opened"]})
    assert admin.sql != manager.sql and admin.totals != manager.totals
    quarter = ask(mstore, "admin", {"metrics": ["cases_opened"], "period": {"fiscal_year": 2025, "quarter": 3}})
    assert quarter.sql != admin.sql
    with mstore.session() as s:  # a person refuses analytics: their cases leave the count, and the statement says so
        contact = s.execute(text("""SELECT c.contact_id FROM cases c WHERE c.contact_id IN (SELECT contact_id FROM
            privacy_consents WHERE purpose = 'analytics.reporting' AND granted = 1) GROUP BY c.contact_id
            ORDER BY COUNT(*) DESC LIMIT 1""")).scalar()
        theirs = s.execute(text("SELECT COUNT(*) FROM cases WHERE contact_id = :c"), {"c": contact}).scalar()
        record_consent(s, contact_id=contact, category="user.behavior", purpose="analytics.reporting", granted=False,
                       channel="chat", by="test", now=NOW)
    refused = ask(mstore, "admin", {"metrics": ["cases_opened"]})
    assert refused.totals["cases_opened"] == admin.totals["cases_opened"] - theirs and theirs > 0
    assert refused.sql != admin.sql and refused.left_out == admin.left_out + 1
