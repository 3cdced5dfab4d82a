"""Every metric of the catalog, by region on the seeded store, equals an independent SQL written by hand in the
test (tests/metrics_support.py), on SQLite here and on PostgreSQL in test_metrics_postgres.py."""
from __future__ import annotations

import shutil

import pytest

from crm.metrics import MetricQuery, default_catalog, run_query
from crm.store import Store
from tests.metrics_support import AS_OF, NOW, caller, expected_by_region, expected_sql

METRICS = sorted(default_catalog().metrics)


@pytest.fixture(scope="module")
def metric_store(seeded_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("metrics") / "metrics.db"
    shutil.copy(seeded_template, path)
    store = Store(f"sqlite:///{path}")
    yield store
    store.dispose()


def check_metric_by_region(store: Store, metric: str) -> None:
    with store.session() as s:
        result = run_query(s, MetricQuery((metric,), ("region",)), caller(s, "admin"), as_of=AS_OF, now=NOW)
        expected = expected_by_region(s, metric)
    got = {row["region"]: row[metric] for row in result.rows if row[metric] not in (None, 0)}
    expected = {k: v for k, v in expected.items() if v != 0}
    assert got.keys() == expected.keys(), (metric, got, expected)
    for region, value in expected.items():
        assert got[region] == pytest.approx(value, rel=1e-3, abs=0.01), (metric, region, got[region], value)


def test_every_metric_has_an_independent_sql():
    assert set(METRICS) == set(expected_sql("sqlite")), "a metric was added without its hand-written SQL"
    assert len(METRICS) >= 25


@pytest.mark.parametrize("metric", METRICS)
def test_metric_by_region_matches_hand_written_sql(metric_store, metric):
    check_metric_by_region(metric_store, metric)


ZERO_ON_SEED = {"escalations", "budget_used", "budget_utilisation"}  # the seed books and escalates nothing


@pytest.mark.parametrize("metric", sorted(set(METRICS) - ZERO_ON_SEED))
def test_the_seed_gives_every_metric_something_to_measure(metric_store, metric):
    with metric_store.session() as s:
        assert expected_by_region(s, metric), f"the hand-written SQL for {metric} finds nothing: the test proves nothing"


def test_escalations_and_budget_use_once_there_are_some(store):
    from crm.autonomy.models import BudgetPool, ContractDecision
    from crm.models import SalesUnit
    from sqlalchemy import select, update

    with store.session() as s:
        units = s.scalars(select(SalesUnit.id).order_by(SalesUnit.id)).all()
        for i, unit in enumerate(units[:4]):
            for n in range(i + 1):
                s.add(ContractDecision(key=f"k{i}-{n}", unit_id=unit, kind="discount", requested_by="li.wei",
                                       request={}, contract_version=1, outcome="escalated" if n % 3 < 2 else "accept",
                                       reasons=[], numbers={}))
        s.execute(update(BudgetPool).where(BudgetPool.unit_id.in_(units[:3])).values(used_amount=12345.67))
    for metric in sorted(ZERO_ON_SEED):
        with store.session() as s:
            assert expected_by_region(s, metric)
        check_metric_by_region(store, metric)
