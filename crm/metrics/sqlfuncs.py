"""Functions the metrics need, compiled for each SQL dialect (SQLite and PostgreSQL; others follow the same pattern):
bucketing a date into its week, month, quarter or year, the day of a timestamp, the days between two dates, the days
(with their fraction) between two timestamps, and the median of a group."""
from __future__ import annotations

from sqlalchemy import Date, Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class time_bucket(FunctionElement):
    """The period a date falls in, as text: week → its Monday 'YYYY-MM-DD', month 'YYYY-MM', quarter 'YYYY-Qn',
    year 'YYYY'."""

    type = String()
    inherit_cache = True

    def __init__(self, grain: str, column):
        self.grain = grain
        super().__init__(column)


class day_of(FunctionElement):
    """The day of a timestamp (a date as it is)."""

    type = Date()
    inherit_cache = True


class days_between(FunctionElement):
    """Whole days from the first date to the second."""

    type = Float()
    inherit_cache = True


def _args(compiler, element, **kw) -> list[str]:
    return [compiler.process(a, **kw) for a in element.clauses]


@compiles(time_bucket, "sqlite")
def _bucket_sqlite(element, compiler, **kw):
    (col,) = _args(compiler, element, **kw)
    return {"week": f"date({col}, 'weekday 0', '-6 days')",
            "month": f"strftime('%Y-%m', {col})",
            "quarter": f"(strftime('%Y', {col}) || '-Q' || ((CAST(strftime('%m', {col}) AS INTEGER) + 2) / 3))",
            "year": f"strftime('%Y', {col})"}[element.grain]


@compiles(time_bucket)
def _bucket_default(element, compiler, **kw):  # PostgreSQL, and warehouses that speak its date functions
    (col,) = _args(compiler, element, **kw)
    return {"week": f"to_char(date_trunc('week', {col}), 'YYYY-MM-DD')",
            "month": f"to_char({col}, 'YYYY-MM')",
            "quarter": f"to_char({col}, 'YYYY-\"Q\"Q')",
            "year": f"to_char({col}, 'YYYY')"}[element.grain]


@compiles(day_of, "sqlite")
def _day_sqlite(element, compiler, **kw):
    (col,) = _args(compiler, element, **kw)
    return f"date({col})"


@compiles(day_of)
def _day_default(element, compiler, **kw):
    (col,) = _args(compiler, element, **kw)
    return f"CAST({col} AS DATE)"


@compiles(days_between, "sqlite")
def _days_sqlite(element, compiler, **kw):
    start, end = _args(compiler, element, **kw)
    return f"(julianday({end}) - julianday({start}))"


@compiles(days_between)
def _days_default(element, compiler, **kw):
    start, end = _args(compiler, element, **kw)
    return f"(CAST({end} AS DATE) - CAST({start} AS DATE))"


class elapsed_days(FunctionElement):
    """Days, with their fraction, from the first timestamp to the second (a case opened at 09:00 and closed at 21:00
    the next day: 1.5)."""

    type = Float()
    inherit_cache = True


@compiles(elapsed_days, "sqlite")
def _elapsed_sqlite(element, compiler, **kw):
    start, end = _args(compiler, element, **kw)
    return f"(julianday({end}) - julianday({start}))"


@compiles(elapsed_days)
def _elapsed_default(element, compiler, **kw):
    start, end = _args(compiler, element, **kw)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"


class median(FunctionElement):
    """The median of a group's non-null values: the middle one, or the mean of the two middle ones. An aggregate: on
    PostgreSQL (and the warehouses with SQL:2008's ordered-set aggregates) the lower and upper middle values, each a
    `percentile_disc(0.5)`, averaged in the column's own type; SQLite has no such aggregate before its percentile
    extension, so the store adds `median()` to each connection (crm/store.py)."""

    type = Float()
    inherit_cache = True


@compiles(median, "sqlite")
def _median_sqlite(element, compiler, **kw):
    (value,) = _args(compiler, element, **kw)
    return f"median({value})"


@compiles(median)
def _median_default(element, compiler, **kw):
    (value,) = _args(compiler, element, **kw)
    return (f"((percentile_disc(0.5) WITHIN GROUP (ORDER BY {value}) + "
            f"percentile_disc(0.5) WITHIN GROUP (ORDER BY {value} DESC)) / 2)")
