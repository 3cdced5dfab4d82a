"""Compiles metrics of one source into SQLAlchemy Core statements: one SELECT per (source, time field), each metric a
conditional aggregate (a median too: `sqlfuncs.median`). The statement runs on any dialect SQLAlchemy speaks."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import (Column, DateTime, Float, Select, and_, case, cast, distinct, exists, func, literal, null,
                        or_, select, true)
from sqlalchemy.sql.visitors import replacement_traverse

import crm.autonomy.models  # noqa: F401  (budget pools and contract decisions join the metadata)
from crm.metrics.catalog import Catalog, Dimension, Metric, Source
from crm.metrics.periods import Period
from crm.metrics.query import COMPARE, AmountBound
from crm.metrics.sqlfuncs import days_between, elapsed_days, median, time_bucket
from crm.models import Base

TABLES = Base.metadata.tables


def column(ref: str) -> Column:
    table, name = ref.split(".")
    return TABLES[table].c[name]


@dataclass(frozen=True)
class Slice:
    """What narrows every statement of a query: units in scope, dimension filters (resolved to keys), the period,
    the day asked and the people left out of aggregates."""

    units: tuple[int, ...] | None
    filters: dict[str, tuple[str, ...]]
    period: Period | None
    as_of: dt.date
    refused: frozenset[int]
    snapshot: dt.date | None = None  # metrics measurable from the stage history: as of the end of this day
    amount: tuple[AmountBound, ...] = ()  # bounds on each record's own amount (the source's `amount` column)


def statements(catalog: Catalog, metrics: list[Metric], group_by: list[Dimension], slice_: Slice) -> list[tuple[list[Metric], Select]]:
    """The statements measuring `metrics` (measured ones only) grouped by `group_by`."""
    batches: dict[tuple, list[Metric]] = {}
    # a metric's time field narrows or buckets its rows only with a period or a time grouping; without either, the
    # metrics of one source are one statement, one read of its rows (DSO and late payments by industry at ten times
    # the seed: one pass over the payments, not two)
    dated = slice_.period is not None or any(d.time for d in group_by)
    for m in metrics:
        if slice_.snapshot is not None and m.as_of:
            batches.setdefault((m.source, "as_of"), []).append(m)
        else:
            batches.setdefault((m.source, m.time if dated else None), []).append(m)
    return [(batch, _as_of(catalog, catalog.sources[source_name], batch, group_by, slice_) if time == "as_of"
             else _aggregate(catalog, catalog.sources[source_name], batch, group_by, slice_))
            for (source_name, time), batch in batches.items()]


def _as_of(catalog: Catalog, source: Source, batch: list[Metric], group_by: list[Dimension], s: Slice) -> Select:
    """The batch measured on the deals as they stood at the end of `s.snapshot`: each deal that had entered the
    pipeline by then, in the stage its last move by then put it in (the stage history, `deal_stage_changes`), its
    amount as recorded on the deal. The period picks the day, so it narrows nothing else."""
    deals, moves = TABLES["deals"], TABLES["deal_stage_changes"]
    later = moves.alias("later_move")
    cutoff = dt.datetime.combine(s.snapshot + dt.timedelta(days=1), dt.time())
    then = (select(moves.c.deal_id, moves.c.to_stage.label("stage"))
            .where(moves.c.at < cutoff,
                   ~exists().where(later.c.deal_id == moves.c.deal_id, later.c.at < cutoff,
                                   or_(later.c.at > moves.c.at, and_(later.c.at == moves.c.at, later.c.id > moves.c.id))))
            .subquery("stage_then"))
    q = _aggregate(catalog, source, batch, group_by, Slice(s.units, s.filters, None, s.as_of, s.refused, amount=s.amount),
                   extra_join=(then, then.c.deal_id == deals.c.id))
    # every reference to a deal's stage (the metrics' conditions and weights, a breakdown or filter by stage) reads
    # the stage it was in then
    return replacement_traverse(q, {}, lambda el: then.c.stage if el is deals.c.stage else None)


def _aggregate(catalog: Catalog, source: Source, batch: list[Metric], group_by: list[Dimension], s: Slice,
               extra_join: tuple | None = None) -> Select:
    groups = _group_columns(group_by, batch[0])
    measures = []
    for m in batch:
        cond = _conditions(m, s.as_of)
        value = _expr(m.measure.get("expr", 1))
        agg = m.measure["agg"]
        if agg == "count":
            measures.append(func.count(case((and_(*cond), 1)) if cond else literal(1)).label(m.name))
        elif agg == "count_distinct":
            measures.append(func.count(distinct(case((and_(*cond), value)) if cond else value)).label(m.name))
        elif agg == "median":
            measures.append(median(case((and_(*cond), value)) if cond else value).label(m.name))
        else:
            inner = case((and_(*cond), value)) if cond else value
            measures.append(getattr(func, agg)(inner).label(m.name))
    joined = _from(catalog, source, batch, group_by, s)
    if extra_join is not None:
        joined = joined.join(*extra_join)
    q = select(*groups, *measures).select_from(joined)
    q = q.where(*_slice_conditions(catalog, source, batch[0], s))
    if all(m.where for m in batch):  # no metric needs the other rows: skip them
        q = q.where(_any_of(batch, s.as_of))
    return q.group_by(*groups) if groups else q


def _any_of(batch: list[Metric], as_of: dt.date):
    """The rows some metric of the batch counts. Metrics that each keep listed values of one column (won deals and
    closed deals: stage in (won), stage in (won, lost)) take one IN of the values together: SQLite reads an OR of INs
    once per IN through the index and merges the rows (win rate by rep at ten times the seed: 17 ms of CPU, 9 as
    one IN with the covering index of the deals' stages)."""
    wheres = list({repr(m.where): m.where for m in batch}.values())
    single = all(len(w) == 1 and set(w[0]) == {"column", "in"} for w in wheres)
    if single and len({w[0]["column"] for w in wheres}) == 1:
        return column(wheres[0][0]["column"]).in_(list(dict.fromkeys(v for w in wheres for v in w[0]["in"])))
    return or_(*[and_(*_conditions(m, as_of)) for m in {repr(m.where): m for m in batch}.values()])


def _group_columns(group_by: list[Dimension], metric: Metric) -> list:
    cols = []
    for d in group_by:
        if d.time:
            cols.append(time_bucket(d.time, column(metric.time)).label(d.name))
        else:
            cols.append(column(d.key).label(d.name))
            if d.label_column:
                cols.append(column(d.label_column).label(f"{d.name}__label"))
    return cols


def _slice_conditions(catalog: Catalog, source: Source, metric: Metric, s: Slice) -> list:
    cond = []
    if s.units is not None:
        cond.append(column(source.unit).in_(s.units))
    through = _through(catalog)
    for ref, values in s.filters.items():
        if ref in through:  # "deals that reached proposal": any row of the record's history has one of the values
            history = through[ref]
            cond.append(exists().where(column(history["column"]) == column(history["of"]), column(ref).in_(values)))
        else:
            cond.append(column(ref).in_(values))
    if s.period is not None and metric.time:
        cond += period_conditions(column(metric.time), s.period)
    if s.amount:
        if source.amount is None:  # "cases over 500K": a case has no amount of its own
            raise ValueError(f"'{metric.label['en']}' counts {source.name}, which have no amount to bound")
        amount = column(source.amount)
        cond += [COMPARE[b.op](amount, b.value) for b in s.amount]
    if source.person and s.refused:
        person = column(source.person)
        cond.append(or_(person.is_(None), person.not_in(sorted(s.refused))))
    return cond


def period_conditions(col: Column, period: Period) -> list:
    start, end = period.start, period.end + dt.timedelta(days=1)
    if isinstance(col.type, DateTime):
        start, end = dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time())
    return [col >= start, col < end]


def _conditions(m: Metric, as_of: dt.date) -> list:
    out = []
    for c in m.where:
        col = column(c["column"])
        if "in" in c:
            out.append(col.in_(c["in"]))
        elif "before" in c:
            out.append(col < (as_of if c["before"] == "as_of" else dt.date.fromisoformat(c["before"])))
        elif "gt" in c:
            out.append(col > c["gt"])
        elif "is_null" in c:
            out.append(col.is_(None) if c["is_null"] else col.is_not(None))
        elif "is" in c:
            out.append(col == (true() if c["is"] is True else c["is"]))
        else:
            raise ValueError(f"metric '{m.name}': cannot read condition {c}")
    return out


def _expr(e):
    if isinstance(e, bool) or e is None:
        return null()
    if isinstance(e, (int, float)):
        return literal(e, Float)
    if isinstance(e, str):
        return column(e)
    op, args = e["op"], [_expr(a) for a in e.get("args", ())]
    if op == "times":
        return cast(args[0], Float) * cast(args[1], Float)
    if op == "minus":
        return cast(args[0], Float) - cast(args[1], Float)
    if op == "divide":
        return cast(args[0], Float) / func.nullif(cast(args[1], Float), 0)
    if op == "days_between":
        return days_between(*args)
    if op == "elapsed_days":
        return elapsed_days(*args)
    if op == "map":
        col = column(e["column"])
        return case(*[(col == k, literal(v, Float)) for k, v in e["values"].items()], else_=literal(0.0, Float))
    raise ValueError(f"unknown operation '{op}' in a metric expression")


def _referenced(e, out: set[str]) -> set[str]:
    if isinstance(e, str):
        out.add(e.split(".")[0])
    elif isinstance(e, dict):
        if "column" in e:
            out.add(e["column"].split(".")[0])
        for a in e.get("args", ()):
            _referenced(a, out)
    return out


def _through(catalog: Catalog) -> dict[str, dict[str, str]]:
    """The keys of dimensions read through a record's history, and how each reaches the record (catalog `through`)."""
    return {d.key: d.through for d in catalog.dimensions.values() if d.through}


def _from(catalog: Catalog, source: Source, batch: list[Metric], group_by: list[Dimension], s: Slice):
    needed: set[str] = set()
    for m in batch:
        _referenced(m.measure.get("expr"), needed)
        for c in m.where:
            needed.add(c["column"].split(".")[0])
        if m.time:
            needed.add(m.time.split(".")[0])
    for d in group_by:
        needed |= d.tables
    through = _through(catalog)
    needed |= {(through[ref]["of"] if ref in through else ref).split(".")[0] for ref in s.filters}
    if s.units is not None:
        needed.add(source.unit.split(".")[0])
    missing = needed - source.tables
    if missing:
        raise ValueError(f"metrics from '{source.name}' cannot reach {', '.join(sorted(missing))}")
    closure, frontier = set(), set(needed) - {source.table}
    while frontier:  # a join needs the table its `via` column belongs to
        t = frontier.pop()
        closure.add(t)
        before = source.joins[t]["via"].split(".")[0]
        if before != source.table and before not in closure:
            frontier.add(before)
    joined = TABLES[source.table]
    for t, spec in source.joins.items():  # declared in join order
        if t in closure:
            joined = joined.join(TABLES[t], column(spec["via"]) == TABLES[t].c[spec["key"]],
                                 isouter=bool(spec.get("outer")))
    return joined
