"""How often deals at each open stage went on to be won, learnt from the store's own closed deals.

The stages a deal passed through are in its stage history (`deal_stage_changes`, written by every stage change and
seeded for the demo); a deal recorded at a stage passed through every earlier one. A stage's weight is the share
won among closed deals that reached it, shrunk towards the overall win rate by PRIOR_DEALS pseudo-deals. A closed
deal with no recorded stage (closed before the history was kept) counts in the overall rate only; with no history
at all every stage weighs the overall win rate, a lower bound for each stage (every won deal passed through every
stage; some lost ones never got that far)."""
from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crm import data_versions
from crm.models import OPEN_STAGES, Deal, DealStageChange
from crm.outlook.words import stage_name

LOOKBACK_DAYS = 730  # closed deals of the past two years calibrate the weights
MIN_CLOSED = 30  # fewer closed deals in the caller's units: calibrate on every unit's history (and say so)
PRIOR_DEALS = 10.0  # how many closed deals the overall win rate counts for in each stage's weight


@dataclass
class StageCalibration:
    """Stage weights and the evidence behind each: closed deals won/closed overall and per stage path."""

    weights: dict[str, float]
    won: int  # closed deals won in the lookback
    closed: int
    since: dt.date
    units_wide: bool  # calibrated on every unit's history (the caller's units had too few closed deals)
    path_closed: dict[str, int] = field(default_factory=dict)  # closed deals recorded reaching the stage
    path_won: dict[str, int] = field(default_factory=dict)
    outcomes: list[tuple[bool, int]] = field(default_factory=list)  # (won, furthest recorded stage index or -1)

    @property
    def base_rate(self) -> float:
        return self.won / self.closed if self.closed else 0.0

    @cached_property
    def outcome_counts(self) -> dict[tuple[bool, int], int]:
        """How many closed deals share each (won, furthest stage) pair, in pair order: counted once per calibration
        (which is kept while the deals stand still), not at every forecast (16,620 pairs at ten times the seed)."""
        return dict(sorted(Counter(self.outcomes).items()))

    @property
    def has_paths(self) -> bool:
        return any(self.path_closed.values())

    def evidence(self, lang: str = "en") -> dict[str, str]:
        """Per stage, in words: what its weight was learnt from ("412 deals reached proposal, 265 won")."""
        out = {}
        for stage in OPEN_STAGES:
            n, w = self.path_closed.get(stage, 0), self.path_won.get(stage, 0)
            if lang == "zh":
                out[stage] = (f"{n} 个已关闭商机到达过{stage_name(stage, 'zh')}阶段，其中 {w} 个赢单；"
                              f"并以整体赢单率作为 {PRIOR_DEALS:.0f} 个虚拟商机的先验"
                              if n else "没有阶段记录：按整体赢单率（下限）")
            else:
                out[stage] = (f"{n} deals reached {stage}, {w} won; the overall win rate counts as {PRIOR_DEALS:.0f} "
                              "more" if n else "no recorded stage history: the overall win rate (a lower bound)")
        return out


def weights_from(outcomes: list[tuple[bool, int]]) -> tuple[dict[str, float], dict[str, int], dict[str, int]]:
    """Stage weights from closed deals' (won, furthest recorded stage index) pairs; -1 means no recorded path."""
    closed = len(outcomes)
    base = sum(1 for won, _ in outcomes if won) / closed if closed else 0.0
    weights, path_closed, path_won = {}, {}, {}
    for i, stage in enumerate(OPEN_STAGES):
        n = sum(1 for _, reached in outcomes if reached >= i)
        w = sum(1 for won, reached in outcomes if won and reached >= i)
        path_closed[stage], path_won[stage] = n, w
        weights[stage] = (w + PRIOR_DEALS * base) / (n + PRIOR_DEALS)
    return weights, path_closed, path_won


def _rank(column):
    """A stage's place in OPEN_STAGES (-1 for won, lost or none)."""
    return case({stage: i for i, stage in enumerate(OPEN_STAGES)}, value=column, else_=-1)


def calibrate_stages(session: Session, units: tuple[int, ...] | None, today: dt.date,
                     lookback_days: int = LOOKBACK_DAYS) -> StageCalibration:
    """Stage weights from closed deals of the caller's units (every unit when those have fewer than MIN_CLOSED).
    Kept per database, units and day while the deals table stands still (crm/data_versions.py) and the stage history
    holds the same rows (its count and highest id: a row added or taken out moves them); a session that wrote deals
    reads its own rows."""
    if data_versions.wrote_in(session, "deals"):
        return _calibrate(session, units, today, lookback_days)
    # before the rows: a write in between reloads once more
    stamp = (*data_versions.versions(session, ("deals",)), *session.execute(select(_HISTORY_COUNT, _HISTORY_TOP)).one())
    key = (str(session.get_bind().url), tuple(sorted(units)) if units is not None else None, today, lookback_days)
    with _kept_lock:
        kept = _kept.get(key)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    found = _calibrate(session, units, today, lookback_days)
    with _kept_lock:
        if len(_kept) > 256:  # many days or scopes: start again rather than grow
            _kept.clear()
        _kept[key] = (stamp, found)
    return found


# two scalar subqueries, not count(id) and max(id) in one SELECT: SQLite counts a table from its b-tree pages and
# takes max(id) from the last page only when each stands alone (at ten times the seed, 75,870 rows: 6 ms of CPU, now
# a few microseconds)
_HISTORY_COUNT = select(func.count()).select_from(DealStageChange).scalar_subquery()
_HISTORY_TOP = select(func.max(DealStageChange.id)).scalar_subquery()
_kept: dict[tuple, tuple[tuple[int, ...], StageCalibration]] = {}
_kept_lock = threading.Lock()


def _calibrate(session: Session, units: tuple[int, ...] | None, today: dt.date,
               lookback_days: int) -> StageCalibration:
    since = today - dt.timedelta(days=lookback_days)

    def closed_deals(scope) -> list[tuple[bool, int]]:
        """(won?, the furthest open stage recorded in the deal's history, -1 for none) per closed deal, counted in
        the database: a few (won?, stage) pairs come back, not a row per deal (thousands at scale). Only how many
        deals share each pair matters to the weights and the bootstrap, so the list is in pair order."""
        per_deal = (select(Deal.stage.label("stage"),
                           func.coalesce(func.max(_rank(DealStageChange.from_stage)), -1).label("came_from"),
                           func.coalesce(func.max(_rank(DealStageChange.to_stage)), -1).label("went_to"))
                    .select_from(Deal).outerjoin(DealStageChange, DealStageChange.deal_id == Deal.id)
                    .where(Deal.stage.in_(("won", "lost")), Deal.closed_on >= since, Deal.closed_on <= today)
                    .group_by(Deal.id, Deal.stage))
        if scope is not None:
            per_deal = per_deal.where(Deal.unit_id.in_(scope))
        d = per_deal.subquery()
        reached = case((d.c.came_from >= d.c.went_to, d.c.came_from), else_=d.c.went_to)
        q = select(d.c.stage, reached, func.count()).group_by(d.c.stage, reached)
        return sorted((stage == "won", int(furthest)) for stage, furthest, n in session.execute(q)
                      for _ in range(n))

    outcomes = closed_deals(units)
    wide = units is not None and len(outcomes) < MIN_CLOSED
    if wide:
        outcomes = closed_deals(None)
    weights, path_closed, path_won = weights_from(outcomes)
    won = sum(1 for w, _ in outcomes if w)
    return StageCalibration(weights, won, len(outcomes), since, wide, path_closed, path_won, outcomes)
