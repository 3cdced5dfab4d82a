"""The revenue forecast against an independent calculation on the seeded store: revenue won in the quarter plus
open pipeline × stage weights learnt from the store's closed deals; its range against a normal approximation; stage
moves recorded in the undo log calibrating the weights; scope and the wrong caller."""
from __future__ import annotations

import datetime as dt
import math
import shutil

import pytest
from sqlalchemy import select, text

from crm.metrics.answer import fmt
from crm.models import Deal
from crm.outlook import forecast_revenue
from crm.outlook.stage_history import LOOKBACK_DAYS, PRIOR_DEALS
from crm.services.undo import UndoEntry
from crm.store import Store
from tests.metrics_support import AS_OF, caller
from tests.test_sales_tools import call

OPEN = "('lead', 'qualified', 'proposal', 'negotiation')"
UNITS = "(SELECT u.id FROM sales_units u WHERE {where})"


@pytest.fixture
def outlook_store(seeded_template, tmp_path):
    shutil.copy(seeded_template, tmp_path / "outlook.db")
    store = Store(f"sqlite:///{tmp_path / 'outlook.db'}")
    yield store
    store.dispose()


def units_of(s, login: str) -> str:
    """The unit ids a login's figures cover, written out by hand: a rep their unit, a manager their region's."""
    role, unit_id = s.execute(text("SELECT role, unit_id FROM users WHERE login = :l"), {"l": login}).one()
    if role == "rep":
        return f"({unit_id})"
    return UNITS.format(where=f"u.region = (SELECT region FROM sales_units WHERE id = {unit_id})")


def expected_forecast(s, login: str, weight_of) -> tuple[float, float, list[float], list[float]]:
    units = units_of(s, login)
    q_start, q_end, n_start, n_end = "2026-10-01", "2026-12-31", "2027-01-01", "2027-03-31"
    won = s.execute(text(f"SELECT COALESCE(SUM(amount), 0) FROM deals WHERE stage = 'won' AND unit_id IN {units} "
                         f"AND closed_on BETWEEN '{q_start}' AND '{AS_OF}'")).scalar()
    this_q = s.execute(text(f"SELECT stage, amount FROM deals WHERE stage IN {OPEN} AND unit_id IN {units} "
                            f"AND expected_close <= '{q_end}'")).all()
    next_q = s.execute(text(f"SELECT stage, amount FROM deals WHERE stage IN {OPEN} AND unit_id IN {units} "
                            f"AND expected_close BETWEEN '{n_start}' AND '{n_end}'")).all()
    this_value = float(won) + sum(float(a) * weight_of(st) for st, a in this_q)
    next_value = sum(float(a) * weight_of(st) for st, a in next_q)
    return this_value, next_value, [float(a) for _, a in this_q], [float(a) for _, a in next_q]


def win_rate(s, login: str) -> tuple[float, int]:
    since = AS_OF - dt.timedelta(days=LOOKBACK_DAYS)
    won, closed = s.execute(text(
        f"SELECT SUM(CASE WHEN stage = 'won' THEN 1 ELSE 0 END), COUNT(*) FROM deals WHERE stage IN ('won', 'lost') "
        f"AND unit_id IN {units_of(s, login)} AND closed_on BETWEEN '{since}' AND '{AS_OF}'")).one()
    return won / closed, closed


@pytest.mark.parametrize("login", ["zhao.lei", "li.wei"])
def test_without_stage_history_every_stage_weighs_the_overall_win_rate_and_the_forecast_adds_up(outlook_store, login):
    with outlook_store.session() as s:
        forecast = forecast_revenue(s, caller(s, login), AS_OF)
        rate, closed = win_rate(s, login)
        this_value, next_value, this_amounts, _ = expected_forecast(s, login, lambda stage: rate)
    assert not forecast.calibration.has_paths and forecast.calibration.closed == closed
    assert all(w == pytest.approx(rate) for w in forecast.calibration.weights.values())
    this_q, next_q = forecast.quarters
    assert (this_q.period.start, next_q.period.start) == (dt.date(2026, 10, 1), dt.date(2027, 1, 1))
    assert this_q.expected == pytest.approx(this_value, abs=0.02)
    assert next_q.expected == pytest.approx(next_value, abs=0.02)
    assert this_q.open_deals == len(this_amounts) > 0
    assert "no stage history" in forecast.method("en") and "没有商机阶段历史" in forecast.method("zh")


def test_the_range_matches_a_normal_approximation_of_the_same_uncertainty(outlook_store):
    """Each open deal is won or not (Bernoulli at the weight) and the weight itself is uncertain (a win rate from
    `closed` deals): the 10th and 90th percentiles sit about 1.28 standard deviations from the mean."""
    with outlook_store.session() as s:
        forecast = forecast_revenue(s, caller(s, "zhao.lei"), AS_OF)
        p, closed = win_rate(s, "zhao.lei")
        this_value, _, amounts, _ = expected_forecast(s, "zhao.lei", lambda stage: p)
    variance = p * (1 - p) * sum(a * a for a in amounts) + p * (1 - p) / closed * sum(amounts) ** 2
    half = 1.2816 * math.sqrt(variance)
    q = forecast.quarters[0]
    assert q.low < q.expected < q.high
    assert q.low == pytest.approx(this_value - half, rel=0.03)
    assert q.high == pytest.approx(this_value + half, rel=0.03)
    assert (q.high - q.low) == pytest.approx(2 * half, rel=0.1)


def test_recorded_stage_moves_calibrate_each_stage(outlook_store):
    """Closed deals Tessera moved through stages tell each stage's conversion; an undone move tells nothing."""
    with outlook_store.session() as s:
        units = s.execute(text(f"SELECT id FROM sales_units WHERE id IN {units_of(s, 'zhao.lei')}")).scalars().all()
        closed = s.execute(select(Deal.id, Deal.stage).where(Deal.unit_id.in_(units), Deal.stage.in_(("won", "lost")),
                                                             Deal.closed_on >= AS_OF - dt.timedelta(days=LOOKBACK_DAYS))
                           .order_by(Deal.id)).all()
        won_ids = [i for i, st in closed if st == "won"][:12]
        lost_ids = [i for i, st in closed if st == "lost"][:12]
        paths = {}  # planted: 12 won deals moved proposal → negotiation → won; 8 lost at qualified, 4 at negotiation
        for i in won_ids:
            paths[i] = [("proposal", "negotiation"), ("negotiation", "won")]
        for n, i in enumerate(lost_ids):
            paths[i] = [("lead", "qualified"), ("qualified", "lost")] if n < 8 else [("negotiation", "lost")]
        for deal_id, moves in paths.items():
            for old, new in moves:
                s.add(UndoEntry(user_id=1, tool="move_deal_stage", reversible=old not in ("won", "lost"),
                                changes=[{"table": "deals", "key": {"id": deal_id}, "op": "update",
                                          "fields": {"stage": [old, new]}}]))
        s.add(UndoEntry(user_id=1, tool="move_deal_stage", undone_at=dt.datetime(2026, 11, 1),  # taken back
                        changes=[{"table": "deals", "key": {"id": lost_ids[0]}, "op": "update",
                                  "fields": {"stage": ["qualified", "negotiation"]}}]))
        s.flush()
        forecast = forecast_revenue(s, caller(s, "zhao.lei"), AS_OF)
        rate, _ = win_rate(s, "zhao.lei")
    # by hand: passed lead/qualified: 12 won + 12 lost; proposal: 12 won + 4 lost; negotiation: the same
    passed = {"lead": (12, 24), "qualified": (12, 24), "proposal": (12, 16), "negotiation": (12, 16)}
    expected = {st: (w + PRIOR_DEALS * rate) / (n + PRIOR_DEALS) for st, (w, n) in passed.items()}
    got = forecast.calibration.weights
    assert got == pytest.approx(expected)
    assert got["negotiation"] > rate and forecast.calibration.has_paths
    assert "12 won of 16 closed deals" in forecast.calibration.evidence("en")["negotiation"]
    with outlook_store.session() as s:
        this_value, next_value, _, _ = expected_forecast(s, "zhao.lei", expected.get)
    assert forecast.quarters[0].expected == pytest.approx(this_value, abs=0.02)
    assert forecast.quarters[1].expected == pytest.approx(next_value, abs=0.02)


def test_a_customer_and_a_prompt_engineer_get_no_forecast_and_a_rep_only_their_unit(tessera):
    with tessera.store.session() as s:
        pe = s.execute(text("SELECT login FROM users WHERE role = 'prompt_engineer'")).scalar()
    for login, role in (("cust.chen.jing", "customer"), (pe, "prompt_engineer")):
        refused = call(tessera, login, "forecast_revenue")
        assert not refused["ok"] and f"a {role} may not read sales metrics" in refused["error"], refused
    rep = call(tessera, "li.wei", "forecast_revenue", quarters="this", language="en")
    admin = call(tessera, "admin", "forecast_revenue", quarters="this", language="en")
    assert rep["ok"] and admin["ok"] and len(rep["items"]) == 1
    with tessera.store.session() as s:
        rate, _ = win_rate(s, "li.wei")
        this_value, _, _, _ = expected_forecast(s, "li.wei", lambda st: rate)
    assert rep["about"].startswith("Revenue forecast for Q4 2026: ")
    assert rep["how"]["scope"].startswith("units ") and "," not in rep["how"]["scope"]
    assert admin["how"]["scope"] == "every unit"
    assert rep["items"][0]["forecast"] != admin["items"][0]["forecast"]
    assert "how it was computed" in rep and "stage's weight" in rep["how it was computed"]
    assert rep["items"][0]["forecast"] == fmt(this_value, "money")

