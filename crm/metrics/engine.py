"""The one engine: checks a metric query against the catalog and the caller, compiles it, runs it on the store's
dialect and returns rows, totals, the comparison and how every number was computed."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from crm.actor import AccessDenied
from crm.language import name_in, name_sides
from crm.models import User
from crm.metrics.catalog import Catalog, Dimension, Metric, default_catalog
from crm.metrics.compiler import Slice, column, statements
from crm.metrics.members import members, nothing_of
from crm.metrics.periods import Period, resolve
from crm.metrics.query import MINE, AmountBound, MetricQuery
from crm.metrics.scope import Caller, refused_analytics, scope_words, unit_codes

ROUNDING = {"money": 2, "ratio": 6, "days": 3, "count": 3}  # results keep precision; answers round for people


@dataclass
class MetricResult:
    query: MetricQuery
    metrics: list[Metric]
    group_by: list[Dimension]
    rows: list[dict]
    totals: dict[str, float | None]
    period: Period | None
    compared: Period | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)
    scope: str = ""
    sql: list[str] = field(default_factory=list)
    dialect: str = ""
    left_out: int = 0  # people whose rows analytics may not use
    named: dict[str, list[str]] = field(default_factory=dict)  # dimension -> what the filters name, as stored
    compared_whole: Period | None = None  # the whole of last year's period, when the like-for-like one is cut short
    whole: dict[str, float | None] = field(default_factory=dict)  # with `share_of`: the figure without that filter
    outside: list[tuple[str, str]] = field(default_factory=list)  # named but not the asker's to see: (en, zh)
    as_of_day: dt.date | None = None  # pipeline measured as it stood at the end of this day (stage history)
    compared_as_of: dt.date | None = None  # … and the period compared with, at the end of this one
    period_over: bool = False  # the period ended before the day asked

    def named_in(self, language: str) -> list[str]:
        """What the filters name, in the asker's language ("South China", "华南大客户部"), for the answer's sentence:
        a figure for South Retail says so. The asker's own ("mine") is their scope, said under every answer."""
        out = []
        for dim in self.query.filters:
            d = default_catalog().dimensions.get(dim)
            for value in self.named.get(dim, []):
                label = d.value_label(value, language) if d is not None and value in d.values else str(value)
                out.append(name_in(label, language))
        return out + [amount_said(b, language) for b in self.query.amount]

    def explain(self, language: str = "en") -> dict:
        """How the numbers were computed: definitions, filters, period, scope and the SQL."""
        return {"definitions": {m.name: m.definition.get(language, m.definition["en"]) for m in self.metrics},
                "filters": {**self.filters, **({"amount": [f"{b.op} {b.value:g}" for b in self.query.amount]}
                                               if self.query.amount else {})}, "period": self.period.as_dict() if self.period else "all time",
                "compared_to": self.compared.as_dict() if self.compared else None, "scope": self.scope,
                "left_out_for_consent": self.left_out, "dialect": self.dialect, "sql": self.sql}


_BOUND_WORDS = {"en": {">": "over", ">=": "at least", "<": "under", "<=": "at most", "=": "of"},
                "zh": {">": "超过", ">=": "不低于", "<": "低于", "<=": "不超过", "=": "为"}}


def amount_said(bound: AmountBound, language: str) -> str:
    """ "amount over 500,000", "金额超过500,000": which records a bound on their amount keeps."""
    word = _BOUND_WORDS.get(language, _BOUND_WORDS["en"])[bound.op]
    return f"金额{word}{bound.value:,.0f}" if language == "zh" else f"amount {word} {bound.value:,.0f}"


def run_query(session: Session, query: MetricQuery, caller: Caller, *, as_of: dt.date,
              now: dt.datetime | None = None, catalog: Catalog | None = None) -> MetricResult:
    catalog = catalog or default_catalog()
    metrics = [catalog.metric(name) for name in query.metrics]
    for m in metrics:
        if caller.role not in m.roles:
            raise AccessDenied(f"'{m.name_in(caller.language)}' is for {', '.join(m.roles)}; a {caller.role} may not "
                               "see it")
    group_by = [catalog.dimension(name) for name in query.group_by]
    filter_dims = {name: catalog.dimension(name) for name in query.filters}
    for d in group_by:
        if d.through:  # a deal reaches several stages: it would be counted in each
            raise ValueError(f"{d.label['en']} filters the records; it cannot break them down")
    for m in metrics + [catalog.metric(t.metric) for t in query.having]:
        for d in group_by + list(filter_dims.values()):
            if not catalog.supports(m, d):
                raise ValueError(f"'{m.label['en']}' cannot be broken down or filtered by {d.label['en']}")
    # a time dimension filters only the periods it groups by ("Q1 and Q3": the quarters of the span asked for)
    buckets = {name: set(values) for name, values in query.filters.items() if filter_dims[name].time}
    for name in buckets:
        if name not in query.group_by:
            raise ValueError(f"filter by {name} with a period instead, or group by {name} too")
    period = resolve(query.period, as_of)
    outside: list[tuple[str, str]] = []  # what the filters name beyond the asker's scope, left out: (en, zh)
    resolved = {name: _resolve_values(session, filter_dims[name], values, caller, outside)
                for name, values in query.filters.items()
                if name not in buckets and not _whole_scope(filter_dims[name], values, caller)}
    filters = {filter_dims[name].key: keys for name, keys in resolved.items()}
    named = {name: _labels(session, filter_dims[name], keys) for name, keys in resolved.items()
             if MINE not in query.filters[name]}
    needs_people = any(catalog.sources[m.source].person for m in metrics)
    refused = refused_analytics(session, now or dt.datetime.combine(as_of, dt.time(12)), caller.login) \
        if needs_people else frozenset()
    wanted = list(dict.fromkeys(metrics + [catalog.metric(t.metric) for t in query.having]))
    snapshot = _snapshot(query, wanted, group_by, period, as_of)
    slice_ = Slice(caller.units, filters, period, as_of, refused, _day_of(period, as_of) if snapshot else None,
                   amount=query.amount)
    rows, sql = _measure(session, catalog, wanted, group_by, slice_, show=True)
    ahead = all(catalog.dated_ahead(m) for m in metrics) and not snapshot
    if period is not None and len(group_by) == 1 and group_by[0].time:
        rows = _fill_buckets(rows, group_by[0], period, wanted, as_of if not ahead else None)
    rows = [r for r in rows if all(r.get(name) in keys for name, keys in buckets.items())]
    if len(group_by) == 1 and not group_by[0].time and any(t.holds(0) for t in query.having):
        rows = _with_empty_groups(session, rows, group_by[0], wanted, caller.units, filters)  # "no activity": 0 rows
    totals = _totals(session, catalog, wanted, rows, group_by, slice_)  # over every group, thresholds or not
    rows = [r for r in rows if all(t.holds(r.get(t.metric)) for t in query.having)]
    compared = compared_whole = None
    if query.compare_to and period is not None:
        compared = period.shifted(query.compare_to, None if ahead else as_of)  # days to come: the whole one
        earlier = Slice(caller.units, filters, compared, as_of, refused, _day_of(compared, as_of) if snapshot else None,
                        amount=query.amount)
        before = _measure(session, catalog, wanted, group_by, earlier)[0]
        _attach_previous(rows, before, metrics, group_by)
        if group_by:
            _attach_previous([totals], [_totals(session, catalog, wanted, before, group_by, earlier)], metrics, [])
        else:
            totals = rows[0] if rows else totals
        whole = period.shifted(query.compare_to)  # "all of Q4 2025" beside "Q4 2025 to 26 Nov"
        if (whole.start, whole.end) != (compared.start, compared.end) and not snapshot:  # as it stood: one day each
            compared_whole = whole
            earlier = Slice(caller.units, filters, whole, as_of, refused, amount=query.amount)
            _attach_previous(rows, _measure(session, catalog, wanted, group_by, earlier)[0], metrics, group_by,
                             suffix="_previous_whole")
    first = metrics[0]
    whole_figures = {}
    if query.share_of and not group_by and rows and first.additive:  # "what share of our pipeline is in negotiation"
        key = filter_dims[query.share_of].key
        rest = {k: v for k, v in filters.items() if k != key}
        whole_figures = _measure(session, catalog, wanted, [], Slice(caller.units, rest, period, as_of, refused,
                                                                     slice_.snapshot, query.amount))[0][0]
        if whole_figures.get(first.name):
            rows[0]["share"] = round((rows[0].get(first.name) or 0) / whole_figures[first.name], 6)
    if group_by and first.additive and totals.get(first.name):
        for r in rows:
            r["share"] = round((r.get(first.name) or 0) / totals[first.name], 6)
    _order(rows, query, first, group_by)
    if query.limit:
        rows = rows[:query.limit]
    return MetricResult(query, metrics, group_by, rows, {k: totals.get(k) for k in totals}, period, compared,
                        {d: list(v) for d, v in filters.items()}, _scope_words(session, caller),
                        sql, session.get_bind().dialect.name, len(refused), named, compared_whole, whole_figures,
                        outside, slice_.snapshot, _day_of(compared, as_of) if snapshot and compared else None,
                        period is not None and period.end < as_of)


def _snapshot(query: MetricQuery, metrics: list[Metric], group_by: list[Dimension], period: Period | None,
              as_of: dt.date) -> bool:
    """Whether the metrics measurable from the stage history (pipeline) are measured as of a day: asked so, or
    unasked with a period already over ("pipeline at the end of last quarter") or a comparison ("pipeline vs the
    same quarter last year": then and now), where today's open deals by their expected close would answer about
    today. Never for a trend by week or month (one day per bucket is not measured) or without a period."""
    if period is None or not any(m.as_of for m in metrics) or any(d.time for d in group_by):
        return False
    if query.snapshot is not None:
        return query.snapshot
    return period.end < as_of or query.compare_to is not None


def _day_of(period: Period, as_of: dt.date) -> dt.date:
    """The day a period is measured as of: its last, or today while it runs."""
    return min(period.end, as_of)


def _totals(session: Session, catalog: Catalog, metrics: list[Metric], rows: list[dict], group_by: list[Dimension],
            slice_: Slice) -> dict:
    """The figures over all groups: sums and counts add up the groups' rows; other metrics ask the store again."""
    if not group_by:
        return dict(rows[0]) if rows else {}
    if all(m.additive and m.measure["agg"] != "count_distinct" for m in metrics):
        return {m.name: round(sum(r.get(m.name) or 0 for r in rows), ROUNDING[m.unit]) for m in metrics}
    return _measure(session, catalog, metrics, [], slice_)[0][0]


def _measure(session: Session, catalog: Catalog, metrics: list[Metric], group_by: list[Dimension],
             slice_: Slice, *, show: bool = False) -> tuple[list[dict], list[str]]:
    """Rows keyed by group, every wanted metric a column; ratios divided here from their parts. `show`: also the
    statements as run, values inlined, for "how it was computed" (the answer's own statements only: rendering one
    costs more CPU than a small query, and the totals' and the comparison's were thrown away)."""
    measured = list(dict.fromkeys(b for m in metrics for b in catalog.base_metrics(m)))
    merged: dict[tuple, dict] = {}
    sql = []
    dialect = session.get_bind().dialect
    for batch, stmt, text in _built(catalog, measured, group_by, slice_, dialect if show else None):
        if show:
            sql.append(text)
        for rec in session.execute(stmt).mappings():
            key = tuple(rec[d.name] for d in group_by)
            row = merged.setdefault(key, _group_values(rec, group_by))
            for m in batch:
                row[m.name] = _number(rec[m.name], m)
    for row in merged.values():
        for m in metrics:
            if m.ratio:
                num, den = row.get(m.ratio["numerator"]), row.get(m.ratio["denominator"])
                row[m.name] = round(num / den, ROUNDING[m.unit]) if num is not None and den else None
            elif m.name not in row:
                row[m.name] = 0 if m.measure["agg"] in ("count", "count_distinct") else None
            if m.measure and m.measure["agg"] in ("count", "count_distinct") and row[m.name] is None:
                row[m.name] = 0
    if not group_by and not merged:
        merged[()] = {m.name: 0 if m.measure and m.measure["agg"].startswith("count") else None for m in metrics}
    return list(merged.values()), sql


def _fill_buckets(rows: list[dict], d: Dimension, period: Period, metrics: list[Metric],
                  until: dt.date | None) -> list[dict]:
    """A trend shows every week/month/quarter/year of the period, zero where nothing happened; a week or month that
    has not begun by `until` (today) has not happened yet: it is left out, not shown as nothing (None: every one,
    for a metric dated by days still to come, such as pipeline by expected close)."""
    held = {r[d.name]: r for r in rows}
    out, day = [], period.start
    while day <= period.end:
        key = bucket_of(day, d.time)
        if key not in held and until is not None and day > until:
            day += dt.timedelta(days=1)
            continue
        if key not in held:
            held[key] = {d.name: key, **{m.name: 0 if m.measure and m.measure["agg"].startswith("count") else None
                                         for m in metrics}}
        if not out or out[-1] is not held[key]:
            out.append(held[key])
        day += dt.timedelta(days=1)
    return out


def _with_empty_groups(session: Session, rows: list[dict], d: Dimension, metrics: list[Metric],
                       units: tuple[int, ...] | None, filters: dict) -> list[dict]:
    """A bound that nothing meets ("no activities", "fewer than 5") asks of every rep or unit in scope, also those no
    row names: they are added with 0 (a count or sum) so the bound can keep them."""
    everyone = members(session, d, units, filters)
    if everyone is None:
        return rows
    held = {r[d.name] for r in rows}
    return rows + [{**g, **{m.name: nothing_of(m) for m in metrics}} for g in everyone if g[d.name] not in held]


def bucket_of(day: dt.date, grain: str) -> str:
    """The label the SQL gives a day's week, month, quarter or year (see sqlfuncs.time_bucket)."""
    if grain == "week":
        return (day - dt.timedelta(days=day.weekday())).isoformat()
    if grain == "month":
        return f"{day.year}-{day.month:02d}"
    if grain == "quarter":
        return f"{day.year}-Q{(day.month + 2) // 3}"
    return str(day.year)


def _group_values(rec, group_by: list[Dimension]) -> dict:
    row = {}
    for d in group_by:
        row[d.name] = rec[d.name]
        if d.label_column:
            row[f"{d.name}_label"] = rec[f"{d.name}__label"]
    return row


def _number(value, m: Metric):
    if value is None:
        return None
    value = float(value) if isinstance(value, (Decimal, int, float)) else float(value)
    if m.unit == "count" and m.measure and m.measure["agg"] in ("count", "count_distinct"):
        return int(value)
    return round(value, ROUNDING[m.unit])


def _attach_previous(rows: list[dict], before: list[dict], metrics: list[Metric], group_by: list[Dimension],
                     suffix: str = "_previous") -> None:
    """Each row's figure in the period compared with, and the change: a rate's in percentage points (now − then:
    a win rate from 44.8% to 33.3% is down 11.5 points), any other figure's relative to then."""
    earlier = {tuple(r[d.name] for d in group_by): r for r in before}
    for r in rows:
        prev = earlier.get(tuple(r[d.name] for d in group_by), {})
        for m in metrics:
            was, now = prev.get(m.name), r.get(m.name)
            r[f"{m.name}{suffix}"] = was
            if suffix != "_previous":
                continue
            if m.unit == "ratio":
                r[f"{m.name}_change"] = round(now - was, 6) if was is not None and now is not None else None
            else:
                r[f"{m.name}_change"] = round((now - was) / abs(was), 4) if was and now is not None else None


def _order(rows: list[dict], query: MetricQuery, first: Metric, group_by: list[Dimension]) -> None:
    if query.order:
        present = [r for r in rows if r.get(first.name) is not None]
        absent = [r for r in rows if r.get(first.name) is None]
        present.sort(key=lambda r: r[first.name], reverse=query.order == "desc")
        rows[:] = present + absent
    elif group_by:
        rows.sort(key=lambda r: tuple(str(r.get(d.name)) for d in group_by))


def _resolve_values(session: Session, d: Dimension, values: tuple[str, ...], caller: Caller,
                    outside: list[tuple[str, str]]) -> tuple[str, ...]:
    """Filter values as the dimension's keys: "mine" is the asker's own; names and words match keys. Keys beyond the
    asker's scope beside ones within it ("south compared with north", asked by the south's manager) are left out
    and named in `outside`; only keys beyond it is a refusal."""
    keys: list[str] = []
    for v in values:
        if v == MINE:
            keys += _mine(session, d, caller)
            continue
        word = str(v).strip().lower()
        named = next((k for k, spec in d.values.items()
                      if word == k or word in [w.lower() for w in spec.get("words", [])]), None)
        if named:
            keys.append(named)
            continue
        cols = [column(d.key)] + ([column(d.label_column)] if d.label_column else [])
        rows = session.execute(select(*cols).where(or_(*[c.ilike(f"%{v}%") for c in cols])).distinct().limit(50)).all()
        found = list(dict.fromkeys(r[0] for r in rows))
        # a name said whole picks that record: "Edge Gateway" is not also "Edge Gateway Pro"
        exact = [r[0] for r in rows if any(word in (str(x).lower(), *(p.lower() for p in name_sides(x)))
                                           for x in r)]
        if not found:
            raise ValueError(f"no {d.label['en']} matches '{v}'")
        keys += exact or found
    keys = list(dict.fromkeys(keys))
    beyond = _refuse_outside_scope(session, d, keys, values, caller)
    if beyond:
        outside.extend(_said(session, d, beyond))
    return tuple(k for k in keys if k not in beyond)


def _refuse_outside_scope(session: Session, d: Dimension, keys: list[str], values, caller: Caller) -> list[str]:
    """A filter that names only units, regions or reps outside the asker's scope would answer "nothing" where the
    truth is "not yours to see": say so instead (the scope itself is applied to every statement regardless). Returns
    the keys beyond the scope when others are within it."""
    if caller.units is None or not keys or MINE in values:
        return []
    if d.key == "sales_units.code":
        inside = [k for k in keys if k in caller.unit_codes]
    elif d.key == "sales_units.region":
        inside = [k for k in keys if k == caller.region]
    elif d.key == "users.login":
        inside = session.scalars(select(User.login).where(User.login.in_(keys),
                                                          User.unit_id.in_(caller.units))).all()
    else:
        return []
    if not inside:
        said = _said(session, d, keys)
        raise AccessDenied(f"{', '.join(en for en, _ in said)} is outside the figures you may read "
                           f"({scope_words(session, caller)})",
                           kind="metrics_out_of_scope", named="、".join(zh for _, zh in said),
                           scope_zh="事业部 " + "、".join(unit_codes(session, caller)))
    return [k for k in keys if k not in inside]


def _said(session: Session, d: Dimension, keys: list[str]) -> list[tuple[str, str]]:
    """Keys as a reply names them, in English and in Chinese: "North China" / "华北", a unit's or a rep's name."""
    labels = [d.value_label(k, "en") if k in d.values else k for k in _labels(session, d, tuple(keys))]
    return [(name_in(x, "en"), d.value_label(k, "zh") if k in d.values else name_in(x, "zh"))
            for k, x in zip(keys, labels)]


def _labels(session: Session, d: Dimension, keys: tuple[str, ...]) -> list[str]:
    """How the filtered values are named: a unit's or a rep's name rather than its code or login."""
    if not d.label_column or not keys:
        return list(keys)
    names = dict(session.execute(select(column(d.key), column(d.label_column)).where(column(d.key).in_(keys))).all())
    return [str(names.get(k, k)) for k in keys]


def _whole_scope(d: Dimension, values: tuple[str, ...], caller: Caller) -> bool:
    """ "My win rate" asked by a manager or an admin: their own figures are those of everyone they see (they own no
    deals), so "mine" of a rep filter is their whole scope, not an empty one."""
    return d.name == "rep" and tuple(values) == (MINE,) and caller.role != "rep"


def _mine(session: Session, d: Dimension, caller: Caller) -> list[str]:
    if d.name == "region" and caller.region:
        return [caller.region]
    if d.name == "unit":
        return unit_codes(session, caller) if caller.role != "admin" else []
    if d.name == "rep":
        return [caller.login]
    raise ValueError(f"'my {d.label['en']}' means nothing for a {caller.role}")


def _scope_words(session: Session, caller: Caller) -> str:
    return scope_words(session, caller)


# statements built, and rendered for "how it was computed", per catalog, metrics, grouping, slice and dialect: both
# are pure functions of these (no row of the store goes into them; the values are bound when the statement runs),
# and building and rendering cost more CPU than running a small query. Bounded: emptied when full.
_BUILT: dict[tuple, tuple] = {}
_BUILT_MAX = 512


def _built(catalog: Catalog, measured: list[Metric], group_by: list[Dimension], slice_: Slice,
           dialect) -> list[tuple[list[Metric], Select, str | None]]:
    """`statements(...)` with each statement's text as shown (None without a dialect), kept per inputs."""
    key = (id(catalog), tuple(measured), tuple(group_by), slice_.units, tuple((k, tuple(v)) for k, v in slice_.filters.items()),
           slice_.period, slice_.as_of, slice_.refused, slice_.snapshot, slice_.amount, dialect)
    held = _BUILT.get(key)
    if held is not None and held[0] is catalog:
        return held[1]
    built = [(batch, stmt, _show(stmt, dialect, slice_) if dialect is not None else None)
             for batch, stmt in statements(catalog, measured, group_by, slice_)]
    if len(_BUILT) >= _BUILT_MAX:
        _BUILT.clear()
    _BUILT[key] = (catalog, built)
    return built


def _show(stmt: Select, dialect, slice_: Slice) -> str:
    """The statement as the database runs it, values inlined; the consent list is summarised."""
    try:
        text = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except Exception:  # a value type without a literal renderer: show the placeholders
        text = str(stmt.compile(dialect=dialect))
    if slice_.refused:
        listed = ", ".join(str(c) for c in sorted(slice_.refused))
        text = text.replace(f"({listed})", f"(<{len(slice_.refused)} people who refused analytics>)")
    return text


def compile_sql(query: MetricQuery, dialect_name: str, *, as_of: dt.date, catalog: Catalog | None = None) -> list[str]:
    """The SQL a query compiles to for another dialect (postgresql, sqlite, ...), unscoped: for the docs and for
    pointing the layer at a warehouse."""
    from sqlalchemy.dialects import registry

    catalog = catalog or default_catalog()
    dialect = registry.load(dialect_name)()
    metrics = [b for name in query.metrics for b in catalog.base_metrics(catalog.metric(name))]
    slice_ = Slice(None, {}, resolve(query.period, as_of), as_of, frozenset())
    group_by = [catalog.dimension(n) for n in query.group_by]
    return [str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            for _batch, stmt in statements(catalog, list(dict.fromkeys(metrics)), group_by, slice_)]
