"""A case's close is dated (`cases.closed_at`): a manager's "cases closed last quarter" counts the cases closed then,
not those opened then, and "how long does it take to close a case" is the days from opening to closing. Values
against SQL written here; the status change that dates the close, and what it leaves alone; the migration that dates
the cases closed before it; the close in the customer's export and through an erasure."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import select, text

from crm.actor import AccessDenied
from crm.metrics import MetricQuery, run_query
from crm.models import Account, Case, User
from crm.privacy.rights import export
from crm.services.cases import change_case_status
from crm.store import Store
from tests.metrics_support import AS_OF, CONSENTED, NOW, actor, caller
from tests.privacy_support import privacy_dir, ptessera  # noqa: F401

COK = f"(c.contact_id IS NULL OR c.contact_id IN ({CONSENTED}))"
EAST = ("FROM cases c JOIN accounts ac ON ac.id = c.account_id JOIN sales_units u ON u.id = ac.unit_id "
        "WHERE u.region = 'east' AND " + COK)
LAST_QUARTER = ("2026-07-01", "2026-10-01")  # Q3 2026, seen from the demo's today (26 Nov 2026)


@pytest.fixture
def seeded(seeded_template, tmp_path):
    shutil.copy(seeded_template, tmp_path / "cases.db")
    store = Store(f"sqlite:///{tmp_path / 'cases.db'}")
    yield store
    store.dispose()


def _ask(store: Store, login: str, query: dict):
    with store.session() as s:
        return run_query(s, MetricQuery.of(query), caller(s, login), as_of=AS_OF, now=NOW)


def _elapsed(dialect: str) -> str:
    return ("julianday(c.closed_at) - julianday(c.created_at)" if dialect == "sqlite"
            else "EXTRACT(EPOCH FROM c.closed_at - c.created_at) / 86400")


def check_closed_last_quarter_and_time_to_close(store: Store) -> None:
    """zhao.lei (East) asks for cases closed last quarter and the average time to close one: both dated by the close."""
    start, end = LAST_QUARTER
    with store.session() as s:
        dialect = s.get_bind().dialect.name
        closed = s.scalar(text(f"SELECT COUNT(*) {EAST} AND c.status IN ('resolved', 'closed') "
                               f"AND c.closed_at >= '{start}' AND c.closed_at < '{end}'"))
        every = "FROM cases c WHERE c.status IN ('resolved', 'closed')"  # the whole company's, for the dating
        closed_then = set(s.scalars(text(f"SELECT c.id {every} AND c.closed_at >= '{start}' AND c.closed_at < '{end}'")))
        opened_then = set(s.scalars(text(f"SELECT c.id {every} AND c.created_at >= '{start}' "
                                         f"AND c.created_at < '{end}'")))
        days = s.scalar(text(f"SELECT AVG({_elapsed(dialect)}) {EAST} AND c.status IN ('resolved', 'closed') "
                             f"AND c.closed_at >= '{start}' AND c.closed_at < '{end}'"))
    result = _ask(store, "zhao.lei", {"metrics": ["cases_closed", "case_close_days"],
                                      "period": {"relative": "last", "grain": "quarter"}})
    [row] = result.rows
    assert closed and days, "the seed closes no East case last quarter: the test would prove nothing"
    assert row["cases_closed"] == closed
    assert closed_then != opened_then  # dated by the close, not by the opening: other cases
    assert row["case_close_days"] == pytest.approx(float(days), abs=1e-3)


def test_cases_closed_and_time_to_close_are_dated_by_the_close(seeded):
    check_closed_last_quarter_and_time_to_close(seeded)


def test_the_resolution_rate_stays_the_share_of_the_periods_new_cases_now_closed(seeded):
    start, end = LAST_QUARTER
    with seeded.session() as s:
        share = s.scalar(text(f"SELECT AVG(CASE WHEN c.status IN ('resolved', 'closed') THEN 1.0 ELSE 0 END) {EAST} "
                              f"AND c.created_at >= '{start}' AND c.created_at < '{end}'"))
    [row] = _ask(seeded, "zhao.lei", {"metrics": ["case_resolution_rate"],
                                      "period": {"relative": "last", "grain": "quarter"}}).rows
    assert row["case_resolution_rate"] == pytest.approx(float(share), abs=1e-6)


def test_every_seeded_closed_case_closes_after_it_opened_and_no_open_case_is_dated(seeded):
    with seeded.session() as s:
        cases = s.scalars(select(Case)).all()
    closed = [c for c in cases if c.status in ("resolved", "closed")]
    assert closed and all(c.created_at < c.closed_at <= dt.datetime(2026, 11, 26, 8) for c in closed)
    assert all(c.closed_at is None for c in cases if c.status in ("open", "in_progress"))
    spans = sorted((c.closed_at - c.created_at).total_seconds() / 86400 for c in closed)
    assert spans[0] < 1 < spans[len(spans) // 2] < 30  # hours for some, days for most


def _cases(store: Store) -> dict[int, tuple]:
    with store.engine.connect() as conn:
        return {r[0]: tuple(r) for r in conn.execute(text("SELECT * FROM cases ORDER BY id"))}


def test_resolving_a_case_dates_its_close_reopening_clears_it_and_no_other_case_changes(seeded):
    before = _cases(seeded)
    with seeded.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.status == "open").order_by(Case.id))
        rep = actor(s.scalar(select(User).join(Case, Case.opened_by == User.id).where(Case.id == case_id)))
    resolved_at, closed_at = dt.datetime(2026, 11, 26, 10, 5), dt.datetime(2026, 11, 27, 9, 0)
    with seeded.session() as s:
        done = change_case_status(s, rep, case_id=case_id, status="resolved", now=resolved_at)
    assert done["record"]["closed"] == "2026-11-26"
    with seeded.session() as s:
        change_case_status(s, rep, case_id=case_id, status="closed", now=closed_at)  # closed after resolved
    with seeded.session() as s:
        assert s.get(Case, case_id).closed_at == resolved_at  # the first close stands
    after_close = _cases(seeded)
    with seeded.session() as s:
        change_case_status(s, rep, case_id=case_id, status="in_progress", now=closed_at)
    with seeded.session() as s:
        reopened = s.get(Case, case_id)
        assert (reopened.status, reopened.closed_at) == ("in_progress", None)
    after = _cases(seeded)
    assert {k: v for k, v in after.items() if k != case_id} == {k: v for k, v in before.items() if k != case_id}
    assert {k: v for k, v in after_close.items() if k != case_id} == {k: v for k, v in before.items() if k != case_id}


def test_a_rep_of_another_unit_and_a_customer_cannot_close_a_case_and_nothing_changes(seeded):
    before = _cases(seeded)
    with seeded.session() as s:
        case = s.scalar(select(Case).where(Case.status == "open").order_by(Case.id))
        case_id, unit = case.id, s.get(Account, case.account_id).unit_id
        stranger = s.scalar(select(User).where(User.role == "rep", User.unit_id != unit).order_by(User.id))
        customer = s.scalar(select(User).where(User.role == "customer").order_by(User.id))
        stranger, customer = actor(stranger), actor(customer)
    for who in (stranger, customer):
        with pytest.raises(AccessDenied), seeded.session() as s:
            change_case_status(s, who, case_id=case_id, status="closed", now=NOW)
    assert _cases(seeded) == before


def test_the_migration_dates_the_cases_closed_before_it_and_leaves_the_rest(seeded):
    """Revision a9c4e2f7d1b3 (branch case_close) on a store whose cases carry no close: each resolved or closed case
    gets its opening plus the usual days of its priority; open cases stay undated; downgraded, only the column goes."""
    from alembic import command

    from tessera.migrate import alembic_config, migrate

    config = alembic_config(seeded)
    with seeded.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "case_close@-1")
    with seeded.engine.connect() as conn:
        result = conn.execute(text("SELECT * FROM cases ORDER BY id"))
        assert "closed_at" not in result.keys()
        undated = {r[0]: tuple(r) for r in result}
    migrate(seeded)
    usual = {"urgent": 1, "high": 3, "normal": 7, "low": 14}
    with seeded.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, status, priority, created_at, closed_at FROM cases")).all()
        kept = {r[0]: tuple(r) for r in conn.execute(text(
            f"SELECT {', '.join(c for c in conn.execute(text('SELECT * FROM cases')).keys() if c != 'closed_at')} "
            "FROM cases ORDER BY id"))}
    assert kept == undated
    for case_id, status, priority, opened, closed in rows:
        opened = dt.datetime.fromisoformat(str(opened))
        if status in ("resolved", "closed"):
            assert dt.datetime.fromisoformat(str(closed)) == opened + dt.timedelta(days=usual[priority])
        else:
            assert closed is None


def test_the_close_is_in_the_customers_export_and_an_erasure_leaves_every_other_case_as_it_was(ptessera):
    with ptessera.store.session() as s:
        me = s.scalar(select(User).where(User.login == "cust.chen.jing"))
        mine = s.scalars(select(Case).where(Case.contact_id == me.contact_id)).all()
        ids = [c.id for c in mine]
        if not any(c.closed_at for c in mine):  # make one of her cases closed, so the export has a close to show
            change_case_status(s, actor(s.scalar(select(User).where(User.login == "li.wei"))), case_id=ids[0],
                               status="resolved", now=NOW)
    with ptessera.store.session() as s:
        data = export(s, me.contact_id, NOW, actor="test")
        closes = {c.id: c.closed_at for c in s.scalars(select(Case).where(Case.id.in_(ids)))}
    exported = {int(c["case"][2:]): c["closed"] for c in data["cases"]}
    assert exported == {i: (closes[i].isoformat() if closes[i] else None) for i in ids} and any(exported.values())
    others = {k: v for k, v in _cases(ptessera.store).items() if k not in ids}
    ptessera.eraser.erase(me.contact_id, scope="user", now=NOW, by="test", channel="test")
    with ptessera.store.session() as s:
        erased = s.scalars(select(Case).where(Case.id.in_(ids))).all()
        assert all(c.description == "[erased]" for c in erased)
        assert {c.id: c.closed_at for c in erased} == closes  # a case's dates are the company's record, kept
    assert {k: v for k, v in _cases(ptessera.store).items() if k not in ids} == others


@pytest.mark.postgres
def test_cases_closed_and_time_to_close_on_postgres():
    from tessera.seeding import seed_everything
    from tests.postgres_support import migrated_store, scratch_or_skip

    with scratch_or_skip("tessera_case_close") as url, migrated_store(url, seed_everything) as store:
        check_closed_last_quarter_and_time_to_close(store)
