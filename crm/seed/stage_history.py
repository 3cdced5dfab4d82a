"""The demo's stage history: for every seeded deal, the stages it went through on its way to where it stands now.

Seeded once (its own seed run), from its own dice, after the demo company and only into it: the rest of the demo is
the same with or without it, and a store that is not the demo never gets an invented history. Each deal entered
the pipeline as a lead on the day it was created (its owner moves it) and climbed one stage at a time:
- an open deal up to its current stage, the last move no later than the deal's last update;
- a won deal through negotiation (a few straight from proposal) to won, on the day and at the time it was closed;
- a lost deal up to the stage where it dropped out (most early: LOST_AT), then lost when it was closed.
A deal that already has a recorded history (moved by Tessera) keeps it and gets nothing invented."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import Session

from crm.models import OPEN_STAGES, Deal, DealStageChange, SeedRun
from crm.seed.demo import DEMO

SEED_NAME = "stage_history"
SEED = 20261130
LOST_AT = (30, 30, 25, 15)  # where lost deals dropped out: lead, qualified, proposal, negotiation
WON_FROM_PROPOSAL = 0.15  # won deals that skipped negotiation
DAY_STARTS = dt.time(8, 0)


def seed_stage_history(session: Session) -> int:
    """Stage paths for the demo's deals that have none; returns the number of stage changes written."""
    if session.scalar(select(SeedRun).where(SeedRun.name == SEED_NAME)) is not None:
        return 0
    demo = session.scalar(select(SeedRun).where(SeedRun.name == DEMO))
    if demo is None:
        return 0
    rng = random.Random(SEED)
    recorded = exists().where(DealStageChange.deal_id == Deal.id)
    deals = session.execute(select(Deal.id, Deal.stage, Deal.created_on, Deal.updated_at, Deal.owner_id)
                            .where(~recorded).order_by(Deal.id)).all()
    rows = [row for deal in deals for row in _path(rng, *deal)]
    if rows:
        session.execute(insert(DealStageChange), rows)
    session.add(SeedRun(name=SEED_NAME, seed=SEED, created_at=demo.created_at))
    session.flush()
    return len(rows)


def stages_passed(rng: random.Random, stage: str) -> list[str]:
    """The stages a deal now at `stage` went through, in order, ending with `stage` itself."""
    if stage in OPEN_STAGES:
        return list(OPEN_STAGES[:OPEN_STAGES.index(stage) + 1])
    if stage == "won":
        last = "proposal" if rng.random() < WON_FROM_PROPOSAL else "negotiation"
    else:
        last = rng.choices(OPEN_STAGES, weights=LOST_AT)[0]
    return [*OPEN_STAGES[:OPEN_STAGES.index(last) + 1], stage]


def _path(rng: random.Random, deal_id: int, stage: str, created: dt.date, updated: dt.datetime,
          owner_id: int) -> list[dict]:
    stages = stages_passed(rng, stage)
    start = dt.datetime.combine(created, DAY_STARTS)
    end = max(start, updated)  # a closed deal was last updated when it closed; an open one moved before that
    days = sorted(rng.randint(0, (end.date() - created).days) for _ in stages[1:])
    times, last = [start], start
    for day in days:  # a working hour of the day, never before the previous move nor after the deal's last update
        at = dt.datetime.combine(created + dt.timedelta(days=day), dt.time(rng.randint(9, 17), rng.choice((0, 30))))
        last = min(max(at, last), end)
        times.append(last)
    if stage not in OPEN_STAGES:
        times[-1] = end  # closed exactly when the deal says
    return [{"deal_id": deal_id, "from_stage": before, "to_stage": after, "at": at, "changed_by": owner_id}
            for before, after, at in zip([None, *stages[:-1]], stages, times, strict=True)]
