"""Revenue forecast for the current and the next quarter: revenue already won in the quarter plus the open pipeline
expected to close in it, each open deal weighted by its stage's calibrated win rate (stage_history.py), with an
80% range from a bootstrap over the historical closed deals and a simulation of the open deals' outcomes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session

from crm.metrics.answer import fmt
from crm.metrics.periods import Period, resolve
from crm.metrics.scope import Caller, scope_words
from crm.models import OPEN_STAGES, Deal
from crm.outlook.stage_history import PRIOR_DEALS, StageCalibration, calibrate_stages
from crm.outlook.words import columns, scope_in, stage_name

SIMULATIONS = 4000
RANGE = (0.10, 0.90)  # the range shown: 10th to 90th percentile of the simulated quarter totals
SEED = 20261126  # a fixed seed: the same store gives the same range every time it is asked
NORMAL_FROM = 100  # a stage with this many open deals or more adds their normal sum (simulated_totals)
NORMAL_LYAPUNOV = 0.2  # ... provided their Lyapunov ratio is at most this (0.1: as when no deal holds 1% of Σa²)


@dataclass
class QuarterForecast:
    period: Period
    won: float  # revenue already won in the quarter (deals closed won in it, up to today)
    won_deals: int
    expected: float  # won + weighted open pipeline
    low: float
    high: float
    open_deals: int
    open_value: float
    slipped_deals: int = 0  # open deals past their expected close, counted in the current quarter
    slipped_value: float = 0.0
    by_stage: dict[str, dict] = field(default_factory=dict)  # stage -> {deals, value, weight, expected}


@dataclass
class Forecast:
    quarters: list[QuarterForecast]
    calibration: StageCalibration
    scope: str
    today: dt.date

    def sentence(self, lang: str = "en") -> str:
        q = self.quarters[0]
        if lang == "zh":
            text = (f"{_q_label(q.period, 'zh')}收入预测为{fmt(q.expected, 'money', 'zh')}（80%区间 "
                    f"{fmt(q.low, 'money', 'zh')}–{fmt(q.high, 'money', 'zh')}），其中已赢单{fmt(q.won, 'money', 'zh')}")
            if len(self.quarters) > 1:
                n = self.quarters[1]
                text += f"；{_q_label(n.period, 'zh')}预测为{fmt(n.expected, 'money', 'zh')}"
            return text + "。"
        text = (f"Revenue forecast for {_q_label(q.period, 'en')}: {fmt(q.expected, 'money')} (80% range "
                f"{fmt(q.low, 'money')}–{fmt(q.high, 'money')}), of which {fmt(q.won, 'money')} is already won")
        if len(self.quarters) > 1:
            n = self.quarters[1]
            text += f"; {_q_label(n.period, 'en')}: {fmt(n.expected, 'money')}"
        return text + "."

    def table(self, lang: str = "en") -> list[dict]:
        cols = columns("forecast", lang)
        return [dict(zip(cols, (_q_label(q.period, lang), fmt(q.won, "money", lang),
                                fmt(q.expected - q.won, "money", lang), fmt(q.expected, "money", lang),
                                fmt(q.low, "money", lang), fmt(q.high, "money", lang), q.open_deals)))
                for q in self.quarters]

    def method(self, lang: str = "en") -> str:
        """How it was computed, in words and numbers."""
        c = self.calibration
        weights = ("，" if lang == "zh" else ", ").join(f"{stage_name(s, lang)} {c.weights[s]:.0%}" for s in OPEN_STAGES)
        slipped = self.quarters[0]
        if lang == "zh":
            reached = "，".join(f"{c.path_closed[s]} 个到达{stage_name(s, 'zh')}、{c.path_won[s]} 个赢单" for s in OPEN_STAGES)
            source = (f"按商机阶段历史，取到达各阶段的已关闭商机中赢单的比例（{reached}），"
                      f"并以整体赢单率作为 {PRIOR_DEALS:.0f} 个虚拟商机的先验" if c.has_paths else
                      "数据库没有商机阶段历史，各阶段权重采用整体赢单率（每个阶段的下限：赢单商机经过了所有阶段）")
            wide = "（所辖单元已关闭商机太少，用全部单元的历史）" if c.units_wide else ""
            return (f"预测 = 本季度已赢单金额 + 预计在该季度成交的未关闭商机金额 × 阶段权重。阶段权重来自 {c.since} 以来"
                    f"{c.closed} 个已关闭商机（{c.won} 个赢单，{c.base_rate:.1%}）{wide}；{source}。权重：{weights}。"
                    f"本季度包括已过预计成交日期仍未关闭的 {slipped.slipped_deals} 个商机"
                    f"（{fmt(slipped.slipped_value, 'money', 'zh')}）。区间为 {SIMULATIONS} 次模拟的第10与第90百分位："
                    f"对历史商机自助抽样重估权重，再逐个模拟未关闭商机的输赢（{NORMAL_FROM} 个以上商机的阶段，除最大的几个外按正态和计）。范围：" + scope_in(self.scope, "zh"))
        reached = "; ".join(f"{c.path_closed[s]} deals reached {s}, {c.path_won[s]} won" for s in OPEN_STAGES)
        source = ("the deals' stage history: the share won among closed deals that reached each stage "
                  f"({reached}), with the overall win rate counting as {PRIOR_DEALS:.0f} deals" if c.has_paths else
                  "the store keeps no stage history, so every stage weighs the overall win rate (a lower bound for "
                  "each stage: every won deal passed every stage)")
        wide = " (the caller's units had too few, so every unit's history)" if c.units_wide else ""
        return (f"forecast = revenue won in the quarter so far + open deals expected to close in it × their stage's "
                f"weight. Weights from {c.closed} deals closed since {c.since} ({c.won} won, {c.base_rate:.1%}){wide}; "
                f"{source}. Weights: {weights}. This quarter includes {slipped.slipped_deals} open deals already past "
                f"their expected close ({fmt(slipped.slipped_value, 'money')}). Range: 10th-90th percentile of "
                f"{SIMULATIONS} simulations, each re-estimating the weights from a bootstrap sample of the closed deals "
                f"and drawing every open deal's outcome (a stage of {NORMAL_FROM}+ deals adds the normal sum of all but its "
                f"largest few). Scope: {self.scope}.")


def forecast_revenue(session: Session, caller: Caller, today: dt.date, *, quarters: int = 2,
                     scope: str = "") -> Forecast:
    """The current quarter and (quarters=2) the next, over the caller's units."""
    scope = scope or scope_words(session, caller)
    calibration = calibrate_stages(session, caller.units, today)
    this_q = resolve({"relative": "this", "grain": "quarter"}, today)
    periods = [this_q, resolve({"relative": "next", "grain": "quarter"}, today)][:max(1, min(quarters, 2))]
    rng = _rng()
    resampled = _bootstrap_weights(calibration, rng)
    out = []
    for i, period in enumerate(periods):
        won_q = select(func.coalesce(func.sum(Deal.amount), 0), func.count(Deal.id)).where(
            Deal.stage == "won", Deal.closed_on >= period.start, Deal.closed_on <= min(period.end, today))
        # floats and a flag, not Decimals and dates to convert a row at a time: whether the expected close has passed
        open_q = select(Deal.stage, cast(Deal.amount, Float), Deal.expected_close < today).where(
            Deal.stage.in_(OPEN_STAGES), Deal.expected_close <= period.end)
        open_q = open_q.where(Deal.expected_close >= period.start) if i else open_q  # the slipped count now
        if caller.units is not None:
            won_q, open_q = won_q.where(Deal.unit_id.in_(caller.units)), open_q.where(Deal.unit_id.in_(caller.units))
        won_value, won_deals = session.execute(won_q).one()
        deals = [(stage, amount, bool(past)) for stage, amount, past in session.execute(open_q)]
        out.append(_quarter(period, float(won_value), won_deals, deals, calibration, resampled, rng, today))
    return Forecast(out, calibration, scope, today)


def _quarter(period, won, won_deals, deals, calibration, resampled, rng, today) -> QuarterForecast:
    import numpy as np

    weights = calibration.weights
    by_stage = {}
    for stage in OPEN_STAGES:
        values = [a for s, a, _ in deals if s == stage]
        by_stage[stage] = {"deals": len(values), "value": sum(values), "weight": weights[stage],
                           "expected": sum(values) * weights[stage]}
    expected = won + sum(v["expected"] for v in by_stage.values())
    if deals:
        amounts = np.array([a for _, a, _ in deals])
        index = np.array([OPEN_STAGES.index(s) for s, _, _ in deals])
        totals = simulated_totals(won, amounts, index, resampled, rng)
        low, high = (float(x) for x in np.quantile(totals, RANGE))
    else:
        low = high = won
    slipped = [a for _, a, past in deals if past]
    return QuarterForecast(period, round(won, 2), won_deals, round(expected, 2), round(low, 2), round(high, 2),
                           len(deals), round(sum(a for _, a, _ in deals), 2), len(slipped), round(sum(slipped), 2),
                           by_stage)


def simulated_totals(won: float, amounts, stage_index, resampled, rng, *, normal_from: int = NORMAL_FROM):
    """Each simulation's quarter total: `won` plus, stage by stage, the open deals won at that simulation's weight
    for the stage. A stage with `normal_from` deals or more adds the normal sum of its deals instead of drawing each
    (the central limit theorem: mean p·Σa, variance p(1-p)·Σa²), but for its few largest deals when they would
    spoil the approximation (`_split_for_normal`), which keeps a large pipeline from costing simulations × deals
    draws."""
    import numpy as np

    totals = np.full(resampled.shape[0], won)
    for i in range(resampled.shape[1]):
        a = amounts[stage_index == i]
        if not len(a):
            continue
        p = resampled[:, i]
        drawn, summed = _split_for_normal(a, normal_from)
        if len(summed):
            squares = summed * summed
            totals += p * summed.sum() + np.sqrt(p * (1 - p) * squares.sum()) * rng.standard_normal(len(p))
        if len(drawn):
            totals += (rng.random((len(p), len(drawn))) < p[:, None]) @ drawn
    return totals


def _split_for_normal(amounts, normal_from: int):
    """(deals drawn one by one, deals added as a normal sum). A stage of `normal_from` deals or more sums them when
    their Lyapunov ratio Σa³ / (Σa²)^1.5 is at most NORMAL_LYAPUNOV (the Berry-Esseen bound on the normal sum's error
    is proportional to it; no deal holding more than 1% of the squared amounts guarantees 0.1); otherwise its
    largest deals are drawn one by one, the fewest that bring the rest within the bound (the rest's sum is normal
    whatever the few do, and the two parts are independent). A smaller stage is drawn whole."""
    import numpy as np

    if len(amounts) < normal_from:
        return amounts, amounts[:0]
    ordered = np.sort(amounts)[::-1]
    squares, cubes = (np.cumsum((ordered ** k)[::-1])[::-1] for k in (2, 3))  # over the k-th largest and smaller
    fits = (cubes <= NORMAL_LYAPUNOV * squares ** 1.5) & (np.arange(len(ordered)) <= len(ordered) - normal_from)
    if not fits.any():
        return amounts, amounts[:0]
    k = int(np.argmax(fits))  # the fewest large deals to draw
    return ordered[:k], ordered[k:]


def _rng():
    import numpy as np  # numpy loads with the first forecast, not with the tool list

    return np.random.default_rng(SEED)


def _bootstrap_weights(calibration: StageCalibration, rng):
    """SIMULATIONS × stages: the stage weights re-estimated on bootstrap samples of the closed deals. A deal enters
    the weights only by (won?, furthest recorded stage), so a resample is a multinomial draw over those categories."""
    import numpy as np

    outcomes = calibration.outcomes
    if not outcomes:
        return np.zeros((SIMULATIONS, len(OPEN_STAGES)))
    counted = calibration.outcome_counts
    categories = list(counted)
    counts = np.array(list(counted.values()), dtype=float)
    draws = rng.multinomial(len(outcomes), counts / counts.sum(), size=SIMULATIONS)  # SIMULATIONS × categories
    won = np.array([w for w, _ in categories], dtype=float)
    reached = np.array([r for _, r in categories])
    base = (draws * won).sum(axis=1) / len(outcomes)
    columns = []
    for i in range(len(OPEN_STAGES)):
        passed = draws * (reached >= i)
        columns.append(((passed * won).sum(axis=1) + PRIOR_DEALS * base) / (passed.sum(axis=1) + PRIOR_DEALS))
    return np.stack(columns, axis=1)


def _q_label(period: Period, lang: str) -> str:
    q = (period.start.month - 1) // 3 + 1
    return f"{period.start.year}年第{q}季度" if lang == "zh" else f"Q{q} {period.start.year}"
