"""The revenue forecast against an independent calculation on the seeded store: revenue won in the quarter plus
open pipeline × stage weights learnt from the deals' stage history (checked against SQL written here); its range
against a normal approximation; a move made through Tessera calibrating the weights; a store without history;
scope and the wrong caller."""
from __future__ import annotations

import datetime as dt
import math
import shutil

import pytest
from sqlalchemy import select, text

from crm.metrics.answer import fmt
from crm.models import OPEN_STAGES, Deal, User
from crm.outlook import forecast_revenue
from crm.outlook.forecast import NORMAL_FROM, SIMULATIONS, _split_for_normal, simulated_totals
from crm.outlook.stage_history import LOOKBACK_DAYS, PRIOR_DEALS
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


def reached_by_sql(s, login: str) -> dict[str, tuple[int, int]]:
    """Per open stage: (closed deals of the lookback whose history reaches the stage or a later open one, of which
    won), in the login's units."""
    since = AS_OF - dt.timedelta(days=LOOKBACK_DAYS)
    out = {}
    for i, stage in enumerate(OPEN_STAGES):
        later = "(" + ", ".join(f"'{x}'" for x in OPEN_STAGES[i:]) + ")"
        n, k = s.execute(text(
            f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN d.stage = 'won' THEN 1 ELSE 0 END), 0) FROM deals d "
            f"WHERE d.stage IN ('won', 'lost') AND d.unit_id IN {units_of(s, login)} "
            f"AND d.closed_on BETWEEN '{since}' AND '{AS_OF}' AND EXISTS (SELECT 1 FROM deal_stage_changes h "
            f"WHERE h.deal_id = d.id AND (h.from_stage IN {later} OR h.to_stage IN {later}))")).one()
        out[stage] = (n, k)
    return out


def weights_by_sql(s, login: str) -> dict[str, float]:
    rate, _ = win_rate(s, login)
    return {st: (k + PRIOR_DEALS * rate) / (n + PRIOR_DEALS) for st, (n, k) in reached_by_sql(s, login).items()}


def without_history(store: Store) -> None:
    with store.session() as s:
        s.execute(text("DELETE FROM deal_stage_changes"))


@pytest.mark.parametrize("login", ["zhao.lei", "li.wei"])
def test_stage_weights_are_the_share_won_among_closed_deals_that_reached_each_stage(outlook_store, login):
    with outlook_store.session() as s:
        forecast = forecast_revenue(s, caller(s, login), AS_OF)
        reached, weights = reached_by_sql(s, login), weights_by_sql(s, login)
        this_value, next_value, this_amounts, _ = expected_forecast(s, login, weights.get)
    c = forecast.calibration
    assert c.has_paths and c.weights == pytest.approx(weights)
    assert {st: (c.path_closed[st], c.path_won[st]) for st in OPEN_STAGES} == reached
    ordered = [weights[st] for st in OPEN_STAGES]
    assert ordered == sorted(ordered) and ordered[0] < ordered[-1]  # the further a deal got, the likelier a win
    n, k = reached["proposal"]
    assert c.evidence("en")["proposal"].startswith(f"{n} deals reached proposal, {k} won")
    assert f"{n} 个已关闭商机到达过方案阶段，其中 {k} 个赢单" in c.evidence("zh")["proposal"]
    assert f"{n} deals reached proposal, {k} won" in forecast.method("en")
    assert f"{n} 个到达方案、{k} 个赢单" in forecast.method("zh")
    this_q, next_q = forecast.quarters
    assert (this_q.period.start, next_q.period.start) == (dt.date(2026, 10, 1), dt.date(2027, 1, 1))
    assert this_q.expected == pytest.approx(this_value, abs=0.02)
    assert next_q.expected == pytest.approx(next_value, abs=0.02)
    assert this_q.open_deals == len(this_amounts) > 0


@pytest.mark.parametrize("login", ["zhao.lei", "li.wei"])
def test_without_stage_history_every_stage_weighs_the_overall_win_rate_and_the_forecast_adds_up(outlook_store, login):
    without_history(outlook_store)
    with outlook_store.session() as s:
        forecast = forecast_revenue(s, caller(s, login), AS_OF)
        rate, closed = win_rate(s, login)
        this_value, next_value, this_amounts, _ = expected_forecast(s, login, lambda stage: rate)
    assert not forecast.calibration.has_paths and forecast.calibration.closed == closed
    assert all(w == pytest.approx(rate) for w in forecast.calibration.weights.values())
    this_q, next_q = forecast.quarters
    assert this_q.expected == pytest.approx(this_value, abs=0.02)
    assert next_q.expected == pytest.approx(next_value, abs=0.02)
    assert this_q.open_deals == len(this_amounts) > 0
    assert "no stage history" in forecast.method("en") and "没有商机阶段历史" in forecast.method("zh")


def test_the_range_matches_a_normal_approximation_of_the_same_uncertainty(outlook_store):
    """With one weight for every stage (no history), each open deal is won or not (Bernoulli at the weight) and the
    weight itself is uncertain (a win rate from `closed` deals): the 10th and 90th percentiles sit about 1.28
    standard deviations from the mean."""
    without_history(outlook_store)
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


def test_a_deal_lost_in_negotiation_through_tessera_counts_as_reaching_negotiation_and_not_won(tessera):
    with tessera.store.session() as s:
        before = forecast_revenue(s, caller(s, "li.wei"), AS_OF).calibration
        owner = s.scalar(select(User.id).where(User.login == "li.wei"))
        deal_id = s.scalar(select(Deal.id).where(Deal.owner_id == owner, Deal.stage == "negotiation"))
    assert call(tessera, "li.wei", "move_deal_stage", deal=f"D-{deal_id}", stage="lost")["ok"]
    with tessera.store.session() as s:
        after = forecast_revenue(s, caller(s, "li.wei"), AS_OF).calibration
        weights = weights_by_sql(s, "li.wei")
    assert after.closed == before.closed + 1 and after.won == before.won
    assert {st: after.path_closed[st] - before.path_closed[st] for st in OPEN_STAGES} == dict.fromkeys(OPEN_STAGES, 1)
    assert after.path_won == before.path_won and after.weights == pytest.approx(weights)
    assert after.weights["negotiation"] < before.weights["negotiation"]


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
        this_value, _, _, _ = expected_forecast(s, "li.wei", weights_by_sql(s, "li.wei").get)
    assert rep["about"].startswith("Revenue forecast for Q4 2026: ")
    assert rep["how"]["scope"].startswith("units ") and "," not in rep["how"]["scope"]
    assert admin["how"]["scope"] == "every unit"
    assert rep["items"][0]["forecast"] != admin["items"][0]["forecast"]
    assert "how it was computed" in rep and "stage's weight" in rep["how it was computed"]
    assert rep["items"][0]["forecast"] == fmt(this_value, "money")



def test_a_large_stage_adds_the_normal_sum_of_its_deals_and_agrees_with_drawing_each_one():
    """6,000 open deals at one stage (about an admin's quarter at --scale 10): the normal sum the forecast uses for a
    stage this large gives the same mean and 80% range as drawing every deal in every simulation."""
    import numpy as np

    rng = np.random.default_rng(7)
    amounts = rng.triangular(5_000, 20_000, 400_000, size=6000)
    index = np.zeros(len(amounts), dtype=int)
    resampled = np.column_stack([rng.normal(0.55, 0.02, SIMULATIONS)] + [np.zeros(SIMULATIONS)] * 3)
    drawn = simulated_totals(1e6, amounts, index, resampled, np.random.default_rng(1), normal_from=10**9)
    summed = simulated_totals(1e6, amounts, index, resampled, np.random.default_rng(1))
    assert summed.mean() == pytest.approx(drawn.mean(), rel=0.002)
    for q in (0.10, 0.50, 0.90):
        assert np.quantile(summed, q) == pytest.approx(np.quantile(drawn, q), rel=0.005)
    assert np.std(summed) == pytest.approx(np.std(drawn), rel=0.05)


def test_the_weights_are_kept_until_the_deals_or_their_stage_history_change(outlook_store):
    """Asked again on the same day, the forecast reuses the stage weights it learnt; history taken out behind
    Tessera's back (a statement in psql) is seen at the next question, and the weights are the SQL's again."""
    with outlook_store.session() as s:
        first = forecast_revenue(s, caller(s, "zhao.lei"), AS_OF).calibration
    with outlook_store.session() as s:
        assert forecast_revenue(s, caller(s, "zhao.lei"), AS_OF).calibration is first
    without_history(outlook_store)
    with outlook_store.session() as s:
        again = forecast_revenue(s, caller(s, "zhao.lei"), AS_OF).calibration
        p, _closed = win_rate(s, "zhao.lei")
    assert again is not first and not again.has_paths
    assert again.weights == pytest.approx(dict.fromkeys(OPEN_STAGES, p))


def test_a_stage_of_many_deals_draws_its_few_large_ones_and_sums_the_rest():
    """1,000 deals at one stage of which five are huge (the normal sum alone would misjudge them): those five are
    drawn one by one and the rest summed, and the range agrees with drawing every deal."""
    import numpy as np

    rng = np.random.default_rng(11)
    amounts = np.concatenate([rng.uniform(10_000, 50_000, 995), [2e6, 1.5e6, 1.2e6, 1e6, 9e5]])
    index = np.zeros(len(amounts), dtype=int)
    resampled = np.column_stack([rng.normal(0.4, 0.02, SIMULATIONS)] + [np.zeros(SIMULATIONS)] * 3)
    few, many = _split_for_normal(amounts, NORMAL_FROM)
    assert sorted(few) == [9e5, 1e6, 1.2e6, 1.5e6, 2e6] and len(many) == 995
    drawn = simulated_totals(0.0, amounts, index, resampled, np.random.default_rng(2), normal_from=10**9)
    split = simulated_totals(0.0, amounts, index, resampled, np.random.default_rng(2))
    for q in (0.10, 0.50, 0.90):
        assert np.quantile(split, q) == pytest.approx(np.quantile(drawn, q), rel=0.01)
    assert np.std(split) == pytest.approx(np.std(drawn), rel=0.05)


def test_a_stage_of_a_hundred_odd_deals_within_the_lyapunov_bound_sums_as_drawing_would():
    """120 deals of uneven size (a region's stage at --scale 10; Lyapunov ratio under the bound): the normal sum
    gives the 10th, 50th and 90th percentiles of drawing every deal to within 2%."""
    import numpy as np

    from crm.outlook.forecast import NORMAL_LYAPUNOV

    amounts = np.random.default_rng(4).lognormal(11, 0.8, 120)
    assert (amounts ** 3).sum() / ((amounts ** 2).sum()) ** 1.5 <= NORMAL_LYAPUNOV
    assert len(_split_for_normal(amounts, NORMAL_FROM)[1]) == 120  # summed whole
    index = np.zeros(len(amounts), dtype=int)
    resampled = np.column_stack([np.random.default_rng(6).normal(0.45, 0.03, SIMULATIONS)] + [np.zeros(SIMULATIONS)] * 3)
    drawn = simulated_totals(0.0, amounts, index, resampled, np.random.default_rng(8), normal_from=10**9)
    summed = simulated_totals(0.0, amounts, index, resampled, np.random.default_rng(8))
    for q in (0.10, 0.50, 0.90):
        assert np.quantile(summed, q) == pytest.approx(np.quantile(drawn, q), rel=0.02)
