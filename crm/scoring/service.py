"""Scores for deals a reader may see: the win probability of each open deal and the factors behind it."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from crm.models import OPEN_STAGES
from crm.scoring.features import DealRow, features_of, load_history

if TYPE_CHECKING:
    from crm.scoring.linear import LinearScores


def score_deals(session: Session, model: LinearScores, deal_ids: list[int], today: dt.date, *,
                lang: str = "en", explain: bool = True) -> dict[int, dict]:
    """{deal id: {"win_probability": 0.47, "factors": [...]}} for the open deals among `deal_ids` (the caller has
    already checked the reader may see them); closed deals get no score."""
    wanted = set(deal_ids)
    if not wanted:
        return {}
    history = load_history(session, sorted(wanted))
    rows = [DealRow(d.id, today, features_of(history, d, today)) for d in history.deals if d.stage in OPEN_STAGES]
    if not rows:
        return {}
    out = {}
    for row, (p, factors) in zip(rows, model.scored(rows, lang, explain)):
        out[row.deal_id] = {"win_probability": round(p, 3)}
        if explain:
            out[row.deal_id]["factors"] = factors
    return out


def shown_score(score: dict | None) -> str | None:
    """"47%" for a deal list column."""
    return f"{score['win_probability']:.0%}" if score else None
