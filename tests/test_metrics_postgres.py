"""The same metrics on PostgreSQL: every metric by region against its hand-written SQL, and a trend by quarter."""
from __future__ import annotations

import shutil

import pytest

from crm.metrics import MetricQuery, default_catalog, run_query
from crm.store import Store
from tessera.seeding import seed_everything
from tests.metrics_support import AS_OF, NOW, caller
from tests.test_metrics_values import check_metric_by_region
from tests.postgres_support import migrated_store, scratch_or_skip

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_store():
    with scratch_or_skip("tessera_metrics") as url, migrated_store(url, seed_everything) as store:
        yield store


def test_every_metric_by_region_matches_hand_written_sql_on_postgres(pg_store):
    failures = []
    for metric in sorted(default_catalog().metrics):
        try:
            check_metric_by_region(pg_store, metric)
        except AssertionError as exc:
            failures.append(f"{metric}: {exc}")
    assert not failures, "\n".join(failures)


def on_both(pg_store, seeded_template, tmp_path, query: dict) -> list[list[dict]]:
    """The query's rows on PostgreSQL and on SQLite, both seeded alike."""
    shutil.copy(seeded_template, tmp_path / "lite.db")  # a question audits its consent decision: not on the template
    lite = Store(f"sqlite:///{tmp_path / 'lite.db'}")
    try:
        results = []
        for store in (pg_store, lite):
            with store.session() as s:
                results.append(run_query(s, MetricQuery.of(query), caller(s, "admin"), as_of=AS_OF, now=NOW).rows)
    finally:
        lite.dispose()
    return results


def test_time_buckets_and_medians_agree_between_postgres_and_sqlite(pg_store, seeded_template, tmp_path):
    results = on_both(pg_store, seeded_template, tmp_path,
                      {"metrics": ["won_deals", "median_deal_size", "sales_cycle_days"], "group_by": ["quarter"],
                       "period": {"fiscal_year": 2025}})
    assert results[0] == results[1] and [r["quarter"] for r in results[0]] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]


def test_deals_by_a_stage_they_reached_agree_between_postgres_and_sqlite(pg_store, seeded_template, tmp_path):
    results = on_both(pg_store, seeded_template, tmp_path,
                      {"metrics": ["conversion_rate", "won_deals"], "group_by": ["region"],
                       "filters": {"reached_stage": ["negotiation"]}})
    assert results[0] == results[1] and len(results[0]) == 3 and all(r["won_deals"] for r in results[0])


def test_after_a_bulk_load_the_planner_statistics_count_the_rows(pg_store):
    """`tessera seed` (and --scale) ends with refresh_statistics: on PostgreSQL an ANALYZE, so the planner knows the
    tables hold thousands of rows instead of the empty tables' estimates."""
    from sqlalchemy import text

    from crm.seed.scale import refresh_statistics

    with pg_store.session() as s:
        refresh_statistics(s)
    with pg_store.session() as s:
        estimated = s.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'deals'"))
        counted = s.scalar(text("SELECT count(*) FROM deals"))
    assert counted > 1000 and estimated == counted
