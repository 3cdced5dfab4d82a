"""Unusual months: the robust z-scores on the seed agree with an independent calculation from SQL; a planted spike
month is found and explained by the category that grew; a quiet series has no anomaly; the wrong caller is refused."""
from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pytest
from sqlalchemy import select, text

from crm.models import Account, Case, SalesUnit
from crm.outlook import find_anomalies
from crm.outlook.anomalies import THRESHOLD, robust_z
from crm.store import Store
from tests.metrics_support import AS_OF, NOW, PERSON_OK, caller
from tests.test_sales_tools import call

MONTHS = [f"{y}-{m:02d}" for y, m in ((2024 + (10 + i) // 12, (10 + i) % 12 + 1) for i in range(24))]  # 2024-11..


@pytest.fixture
def anomaly_store(seeded_template, tmp_path):
    shutil.copy(seeded_template, tmp_path / "anomaly.db")
    store = Store(f"sqlite:///{tmp_path / 'anomaly.db'}")
    yield store
    store.dispose()


def complaints_by_month(s, region: str | None) -> list[float]:
    where = f"u.region = '{region}'" if region else "1 = 1"
    rows = dict(s.execute(text(
        "SELECT strftime('%Y-%m', c.created_at), COUNT(*) FROM cases c JOIN accounts ac ON ac.id = c.account_id "
        f"JOIN sales_units u ON u.id = ac.unit_id WHERE c.kind = 'complaint' AND {where} AND "
        f"{PERSON_OK.format(t='c')} AND c.created_at >= '2024-11-01' AND c.created_at < '2026-11-01' GROUP BY 1")).all())
    return [float(rows.get(m, 0)) for m in MONTHS]


def independent_z(values: list[float]) -> list[float]:
    x = np.array(values)
    med = np.median(x)
    mad = np.median(np.abs(x - med))
    if mad == 0:
        mean_ad = np.mean(np.abs(x - med))
        return list((x - med) / (1.253314 * mean_ad)) if mean_ad else [0.0] * len(values)
    return list(0.6745 * (x - med) / mad)


def test_scores_on_the_seed_match_an_independent_calculation(anomaly_store):
    with anomaly_store.session() as s:
        report = find_anomalies(s, caller(s, "admin"), "complaints", AS_OF, now=NOW)
        values = complaints_by_month(s, None)
    assert [p.bucket for p in report.series] == MONTHS
    assert [p.value for p in report.series] == values and sum(values) > 48
    assert [p.z for p in report.series] == pytest.approx(independent_z(values))
    assert {p.bucket for p in report.unusual} == {m for m, z in zip(MONTHS, independent_z(values)) if abs(z) > THRESHOLD}


def add_complaints(s, region: str, month: str, n: int, category: str = "billing") -> None:
    account = s.scalars(select(Account).join(SalesUnit, SalesUnit.id == Account.unit_id)
                        .where(SalesUnit.region == region).order_by(Account.id)).first()
    day = dt.datetime.fromisoformat(f"{month}-10T10:00:00")
    for i in range(n):
        s.add(Case(account_id=account.id, contact_id=None, opened_by=account.owner_id, kind="complaint",
                   category=category, priority="high", status="open", description=f"planted {i}",
                   created_at=day + dt.timedelta(hours=i)))
    s.flush()


def test_a_planted_spike_month_is_found_and_explained(anomaly_store):
    with anomaly_store.session() as s:
        add_complaints(s, "east", "2026-03", 40, category="billing")
        report = find_anomalies(s, caller(s, "zhao.lei"), "complaints", AS_OF, direction="high", now=NOW)
        values = complaints_by_month(s, "east")
    assert "2026-03" in {p.bucket for p in report.unusual}
    spike = next(p for p in report.unusual if p.bucket == "2026-03")
    assert spike.value == values[MONTHS.index("2026-03")] and spike.z > THRESHOLD
    assert report.sentence("en").startswith(f"2026-03 had unusually many complaints: {spike.value:,.0f} against a median")
    assert "billing" in spike.part and report.sentence("zh").startswith("2026-03 的投诉数异常地多")
    assert all(p.z > 0 for p in report.unusual)  # asked for high ones only


def test_a_quiet_series_has_no_anomaly(anomaly_store):
    with anomaly_store.session() as s:
        s.execute(text("DELETE FROM cases WHERE kind = 'complaint'"))
        for i, month in enumerate(MONTHS):
            add_complaints(s, "east", month, 4 + i % 3)  # 4, 5, 6, 4, 5, 6, ...
        report = find_anomalies(s, caller(s, "zhao.lei"), "complaints", AS_OF, now=NOW)
    assert [p.value for p in report.series] == [4 + i % 3 for i in range(24)]
    assert not report.unusual and report.sentence("en").startswith("No month from 2024-11 to 2026-10 had unusual")
    zs, median, spread, _ = robust_z([10, 11, 9, 10, 12, 10, 11, 9, 10, 11, 10, 12])
    assert (median, spread) == (10, 1.0) and max(abs(z) for z in zs) == pytest.approx(0.6745 * 2)
    assert max(abs(z) for z in zs) <= THRESHOLD


def test_the_tool_leads_with_the_answer_and_refuses_the_wrong_caller(tessera):
    with tessera.store.session() as s:
        add_complaints(s, "east", "2026-05", 40)
        s.commit()
    result = call(tessera, "zhao.lei", "metric_anomalies", metric="complaints", direction="high", language="en")
    assert result["ok"] and result["about"].startswith("2026-05 had unusually many complaints")
    assert result["items"][0]["month"] == "2026-05" and "robust z" in result["how it was computed"].lower()
    rep = call(tessera, "li.wei", "metric_anomalies", metric="complaints", language="en")
    assert rep["ok"] and rep["how"]["scope"].startswith("units ") and "," not in rep["how"]["scope"]
    north = call(tessera, "olivia.wang", "metric_anomalies", metric="complaints", direction="high")
    assert north["ok"] and "2026-05" not in north["about"]  # the east spike is not the north's
    customer = call(tessera, "cust.chen.jing", "metric_anomalies", metric="complaints")
    assert not customer["ok"] and "customer may not read sales metrics" in customer["error"]
    unknown = call(tessera, "zhao.lei", "metric_anomalies", metric="happiness index")
    assert not unknown["ok"] and unknown["error"].startswith("I can't do that")
