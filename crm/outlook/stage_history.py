"""How often deals at each open stage went on to be won, learnt from the store's own closed deals.

The store keeps a deal's current stage only. The stages a deal passed through are known where Tessera moved it
(the undo log keeps every `move_deal_stage`: stage old → new); a deal seen at a stage passed through every earlier
one. A stage's weight is the share won among closed deals that passed through it, shrunk towards the overall win
rate by PRIOR_DEALS pseudo-deals: with no recorded path at all, every stage weighs the overall win rate, which is a
lower bound for each stage (every won deal passed through every stage; some lost ones never got that far)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import OPEN_STAGES, Deal
from crm.services.undo import UndoEntry

LOOKBACK_DAYS = 730  # closed deals of the past two years calibrate the weights
MIN_CLOSED = 30  # fewer closed deals in the caller's units: calibrate on every unit's history (and say so)
PRIOR_DEALS = 10.0  # how many closed deals the overall win rate counts for in each stage's weight
STAGE_MOVES = "move_deal_stage"  # the tool whose undo entries record stage moves


@dataclass
class StageCalibration:
    """Stage weights and the evidence behind each: closed deals won/closed overall and per stage path."""

    weights: dict[str, float]
    won: int  # closed deals won in the lookback
    closed: int
    since: dt.date
    units_wide: bool  # calibrated on every unit's history (the caller's units had too few closed deals)
    path_closed: dict[str, int] = field(default_factory=dict)  # closed deals with a recorded path through the stage
    path_won: dict[str, int] = field(default_factory=dict)
    outcomes: list[tuple[bool, int]] = field(default_factory=list)  # (won, furthest recorded stage index or -1)

    @property
    def base_rate(self) -> float:
        return self.won / self.closed if self.closed else 0.0

    @property
    def has_paths(self) -> bool:
        return any(self.path_closed.values())

    def evidence(self, lang: str = "en") -> dict[str, str]:
        """Per stage, in words: what its weight was learnt from."""
        out = {}
        for stage in OPEN_STAGES:
            n, w = self.path_closed.get(stage, 0), self.path_won.get(stage, 0)
            if lang == "zh":
                out[stage] = (f"{n} 个已关闭商机有经过此阶段的记录，其中 {w} 个赢单；其余依据整体赢单率"
                              if n else "没有阶段记录：按整体赢单率（下限）")
            else:
                out[stage] = (f"{w} won of {n} closed deals recorded passing this stage, the rest from the overall "
                              "win rate" if n else "no recorded stage path: the overall win rate (a lower bound)")
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


def recorded_paths(session: Session) -> dict[int, int]:
    """Deal id -> the furthest open stage (index in OPEN_STAGES) it was recorded at by a stage move not undone."""
    furthest: dict[int, int] = {}
    entries = session.scalars(select(UndoEntry.changes).where(UndoEntry.tool == STAGE_MOVES,
                                                              UndoEntry.undone_at.is_(None)))
    for changes in entries:
        for change in changes or ():
            stage = (change.get("fields") or {}).get("stage")
            deal_id = (change.get("key") or {}).get("id")
            if change.get("table") != "deals" or not stage or deal_id is None:
                continue
            seen = [OPEN_STAGES.index(s) for s in stage if s in OPEN_STAGES]
            if seen:
                furthest[int(deal_id)] = max(furthest.get(int(deal_id), -1), *seen)
    return furthest


def calibrate_stages(session: Session, units: tuple[int, ...] | None, today: dt.date,
                     lookback_days: int = LOOKBACK_DAYS) -> StageCalibration:
    """Stage weights from closed deals of the caller's units (every unit when those have fewer than MIN_CLOSED)."""
    since = today - dt.timedelta(days=lookback_days)
    paths = recorded_paths(session)

    def closed_deals(scope):
        q = select(Deal.id, Deal.stage).where(Deal.stage.in_(("won", "lost")), Deal.closed_on >= since,
                                              Deal.closed_on <= today)
        if scope is not None:
            q = q.where(Deal.unit_id.in_(scope))
        return session.execute(q).all()

    rows = closed_deals(units)
    wide = units is not None and len(rows) < MIN_CLOSED
    if wide:
        rows = closed_deals(None)
    outcomes = [(stage == "won", paths.get(deal_id, -1)) for deal_id, stage in rows]
    weights, path_closed, path_won = weights_from(outcomes)
    won = sum(1 for w, _ in outcomes if w)
    return StageCalibration(weights, won, len(outcomes), since, wide, path_closed, path_won, outcomes)
