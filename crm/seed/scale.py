"""A bigger demo for benchmarks: the seeded sales and service history (deals, their stage changes, orders, payments,
activities, cases) copied N-1 more times onto the same accounts, so every figure is N times the seed's. Idempotent
per factor."""
from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from crm.models import Activity, Case, Deal, DealStageChange, Order, Payment, SeedRun

RUN = "scale"
COPIED = (Deal, Order, Payment, Activity, Case, DealStageChange)


def scale_up(session: Session, factor: int) -> int:
    """Make the history `factor` times the seed's; returns the factor the store now has (1: unscaled)."""
    if factor < 1:
        raise ValueError("the scale is a whole number of at least 1")
    done = session.scalar(select(SeedRun).where(SeedRun.name == RUN))
    if done is not None:
        if done.seed != factor:
            raise ValueError(f"the store is already scaled {done.seed}x; seed a fresh store for {factor}x")
        return factor
    if factor == 1:
        return 1
    top = {m.__tablename__: session.scalar(select(func.max(m.id))) or 0 for m in COPIED}
    for k in range(1, factor):
        _copy(session, "deals", top, k, {"id": "deals"})
        _copy(session, "orders", top, k, {"id": "orders", "deal_id": "deals"})
        _copy(session, "payments", top, k, {"id": "payments", "order_id": "orders"})
        _copy(session, "activities", top, k, {"id": "activities", "deal_id": "deals"})
        _copy(session, "cases", top, k, {"id": "cases"})
        _copy(session, "deal_stage_changes", top, k, {"id": "deal_stage_changes", "deal_id": "deals"})
    if session.get_bind().dialect.name == "postgresql":  # explicit ids: move the sequences past them
        for table in top:
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))
    session.add(SeedRun(name=RUN, seed=factor))
    session.flush()
    return factor


def refresh_statistics(session: Session) -> None:
    """PostgreSQL's planner statistics brought up to date after a bulk load (autovacuum would come to it later; a
    query planned on the empty tables' statistics meanwhile can pick a nested loop over thousands of rows). SQLite is
    left alone: its planner does better on this schema without sqlite_stat1 (tried at 10x: the metric queries slowed)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))


def _copy(session: Session, table: str, top: dict[str, int], k: int, shifted: dict[str, str]) -> None:
    """INSERT … SELECT of the seed's rows of `table`, with ids (and references to copied tables) moved by k blocks."""
    columns = [c.name for c in _table(table).columns]
    values = [f"{c} + {k * top[shifted[c]]}" if c in shifted else c for c in columns]
    session.execute(text(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {table} "
                         f"WHERE id <= {top[table]}"))


def _table(name: str):
    from crm.models import Base

    return Base.metadata.tables[name]
