"""A deal's stage is changed here and nowhere else: the deal moves, and the move goes into its stage history."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from crm.models import OPEN_STAGES, Deal, DealStageChange


def change_stage(session: Session, deal: Deal, stage: str, *, by: int | None,
                 at: dt.datetime) -> DealStageChange | None:
    """Move `deal` to `stage` (closing it on `at`'s day, or reopening it) and record the move; None when the deal is
    already at that stage (nothing moved, nothing recorded)."""
    if deal.stage == stage:
        return None
    change = DealStageChange(deal_id=deal.id, from_stage=deal.stage, to_stage=stage, at=at, changed_by=by)
    deal.stage = stage
    deal.closed_on = at.date() if stage not in OPEN_STAGES else None
    session.add(change)
    return change
