"""Periods of a metric query: absolute, relative to the day asked ("past five months", "this quarter"), fiscal
("FY2025 Q3"), and the period they are compared to (the previous one, the same one last year)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

GRAINS = ("day", "week", "month", "quarter", "year")
RELATIVE = ("this", "last", "past", "to_date", "next")
COMPARISONS = ("previous_period", "same_period_last_year")
MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
FISCAL_YEAR_STARTS = 1  # month the fiscal year starts in; the demo company keeps the calendar year


@dataclass(frozen=True)
class PeriodSpec:
    """What was asked. One of: start/end; relative + grain (+ n); fiscal_year (+ quarter or month)."""

    start: dt.date | None = None
    end: dt.date | None = None
    relative: str | None = None  # this | last | past | to_date | next
    grain: str | None = None
    n: int = 1
    fiscal_year: int | None = None
    quarter: int | None = None
    month: int | None = None

    @classmethod
    def of(cls, raw: "PeriodSpec | dict | None") -> "PeriodSpec | None":
        if raw is None or isinstance(raw, PeriodSpec):
            return raw
        data = {k: v for k, v in raw.items() if v is not None and k != "label"}
        for key in ("start", "end"):
            if isinstance(data.get(key), str):
                data[key] = dt.date.fromisoformat(data[key])
        return cls(**data)


@dataclass(frozen=True)
class Period:
    """A resolved period: both days included."""

    start: dt.date
    end: dt.date
    label: str
    grain: str | None = None  # how to step back: by `count` grains, else by the length in days
    count: int = 1

    def shifted(self, comparison: str, as_of: dt.date | None = None) -> "Period":
        """The period compared with. The same period last year of a period still running on `as_of` ends a year
        before `as_of` ("this quarter vs the same period last year", asked on 26 November: 1 October to 26 November
        of last year), so that both sides cover the same days; without `as_of`, the whole period a year back."""
        if comparison == "same_period_last_year":
            end = _end_shift(self.end, -12)
            if as_of is not None and self.start <= as_of < self.end:
                end = add_months(as_of, -12)
            return Period(add_months(self.start, -12), end, f"{self.label}, a year earlier", self.grain, self.count)
        if comparison != "previous_period":
            raise ValueError(f"compare_to must be one of {COMPARISONS}")
        if self.grain in MONTHS_IN:
            months = -MONTHS_IN[self.grain] * self.count
            return Period(add_months(self.start, months), _end_shift(self.end, months), "the period before",
                          self.grain, self.count)
        days = (self.end - self.start).days + 1
        return Period(self.start - dt.timedelta(days=days), self.end - dt.timedelta(days=days), "the period before",
                      self.grain, self.count)

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


def resolve(spec: PeriodSpec | dict | None, as_of: dt.date) -> Period | None:
    """The days a spec covers, read on `as_of`; None when no period was asked (all time)."""
    spec = PeriodSpec.of(spec)
    if spec is None:
        return None
    if spec.fiscal_year is not None:
        return _fiscal(spec)
    if spec.relative is not None:
        return _relative(spec, as_of)
    if spec.start is None and spec.end is None:
        return None
    start, end = spec.start or dt.date(1900, 1, 1), spec.end or as_of
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    label = f"{start.isoformat()}..{end.isoformat()}"
    if start.day == 1 and end == _month_end(end.year, end.month):  # whole months: step back by months
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        grain = "year" if months % 12 == 0 and start.month == 1 else "quarter" if months % 3 == 0 and \
            start.month % 3 == 1 else "month"
        label = _label(start, grain) if months == MONTHS_IN[grain] else label
        return Period(start, end, label, grain, months // MONTHS_IN[grain])
    return Period(start, end, label)


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    return dt.date(d.year + y, m + 1, min(d.day, _month_end(d.year + y, m + 1).day))


def _end_shift(end: dt.date, months: int) -> dt.date:
    """Shift a period's last day, keeping a month's end at the month's end (Feb 28 → Nov 30)."""
    if end == _month_end(end.year, end.month):
        moved = add_months(end.replace(day=1), months)
        return _month_end(moved.year, moved.month)
    return add_months(end, months)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _grain_start(d: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return d
    if grain == "week":
        return d - dt.timedelta(days=d.weekday())
    if grain == "month":
        return d.replace(day=1)
    if grain == "quarter":
        return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return dt.date(d.year, 1, 1)


def _step(d: dt.date, grain: str, n: int) -> dt.date:
    if grain == "day":
        return d + dt.timedelta(days=n)
    if grain == "week":
        return d + dt.timedelta(weeks=n)
    return add_months(d, MONTHS_IN[grain] * n)


def _label(start: dt.date, grain: str) -> str:
    if grain == "quarter":
        return f"{start.year}-Q{(start.month + 2) // 3}"
    if grain == "month":
        return f"{start.year}-{start.month:02d}"
    if grain == "year":
        return str(start.year)
    if grain == "week":
        iso = start.isocalendar()
        return f"{iso[0]}-W{iso[1]:02d}"
    return start.isoformat()


def _relative(spec: PeriodSpec, as_of: dt.date) -> Period:
    grain, n = spec.grain or "month", max(1, spec.n)
    if grain not in GRAINS or spec.relative not in RELATIVE:
        raise ValueError(f"a relative period needs relative in {RELATIVE} and grain in {GRAINS}")
    current = _grain_start(as_of, grain)
    if spec.relative == "this":
        start, end = current, _step(current, grain, 1) - dt.timedelta(days=1)
        return Period(start, end, f"this {grain} ({_label(start, grain)})", grain)
    if spec.relative == "to_date":
        return Period(current, as_of, f"{grain} to date ({current.isoformat()}..{as_of.isoformat()})", grain)
    if spec.relative == "next":
        start = _step(current, grain, 1)
        end = _step(start, grain, n) - dt.timedelta(days=1)
        return Period(start, end, f"next {grain} ({_label(start, grain)})" if n == 1
                      else f"next {n} {grain}s ({start.isoformat()}..{end.isoformat()})", grain, n)
    n = 1 if spec.relative == "last" else n  # last: the one before this; past n: the n complete ones before this
    start, end = _step(current, grain, -n), current - dt.timedelta(days=1)
    label = (f"last {grain} ({_label(start, grain)})" if n == 1
             else f"past {n} {grain}s ({_label(start, grain)}..{_label(_step(current, grain, -1), grain)})")
    return Period(start, end, label, grain, n)


def _fiscal(spec: PeriodSpec) -> Period:
    year_start = dt.date(spec.fiscal_year - (1 if FISCAL_YEAR_STARTS > 1 else 0), FISCAL_YEAR_STARTS, 1)
    if spec.quarter is not None:
        if not 1 <= spec.quarter <= 4:
            raise ValueError("a quarter is 1 to 4")
        start = add_months(year_start, 3 * (spec.quarter - 1))
        return Period(start, add_months(start, 3) - dt.timedelta(days=1), f"FY{spec.fiscal_year} Q{spec.quarter}",
                      "quarter")
    if spec.month is not None:
        start = dt.date(spec.fiscal_year, spec.month, 1)
        return Period(start, _month_end(start.year, start.month), _label(start, "month"), "month")
    return Period(year_start, add_months(year_start, 12) - dt.timedelta(days=1), f"FY{spec.fiscal_year}", "year")
