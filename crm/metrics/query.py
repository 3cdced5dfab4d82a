"""A metric query as data: metrics × group-by × filters × period × compare-to × order/limit/thresholds."""
from __future__ import annotations

import operator
from dataclasses import dataclass, field

from crm.metrics.periods import COMPARISONS, PeriodSpec

# each operator a query may say, as the comparison it makes: on numbers (a group's threshold) and on SQL columns alike
# (a bound on each record's amount, crm/metrics/compiler.py)
COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "=": operator.eq}
OPERATORS = tuple(COMPARE)
MINE = "mine"  # a filter value meaning the asker's own region, unit(s) or self


@dataclass(frozen=True)
class Threshold:
    """Keep only groups where `metric op value` ("at least 5 closed deals": closed_deals >= 5)."""

    metric: str
    op: str
    value: float

    def holds(self, actual: float | None) -> bool:
        if actual is None:
            return False
        return COMPARE[self.op](actual, self.value)


@dataclass(frozen=True)
class AmountBound:
    """Keep only records whose own amount holds `amount op value` ("deals over 500K": > 500000): the records
    counted or summed, not the groups (a threshold keeps groups)."""

    op: str
    value: float


@dataclass(frozen=True)
class MetricQuery:
    metrics: tuple[str, ...]
    group_by: tuple[str, ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    period: PeriodSpec | None = None
    compare_to: str | None = None
    order: str | None = None  # "desc" / "asc" by the first metric; None: by the group
    limit: int | None = None
    having: tuple[Threshold, ...] = ()
    amount: tuple[AmountBound, ...] = ()
    count_groups: bool = False  # the answer is how many groups there are ("how many reps won at least 3 deals")
    share_of: str | None = None  # a filtered dimension: the answer is the filtered rows' share of the whole
    # metrics declared `as_of: stage_history` (pipeline): True, as of the period's end (today, while it runs) from the
    # stage history; False, dated by their time field (expected close); None, as of the end of a period already over
    # or of both periods compared
    snapshot: bool | None = None

    def __post_init__(self):
        if not self.metrics:
            raise ValueError("name at least one metric")
        if self.compare_to is not None and self.compare_to not in COMPARISONS:
            raise ValueError(f"compare_to must be one of {', '.join(COMPARISONS)}")
        if self.order not in (None, "desc", "asc"):
            raise ValueError("order is 'desc' or 'asc'")
        if self.limit is not None and self.limit < 1:
            raise ValueError("limit must be at least 1")
        if self.count_groups and not self.group_by:
            raise ValueError("count_groups counts the groups of a breakdown: name what to group by")
        if self.share_of is not None and self.share_of not in self.filters:
            raise ValueError("share_of names a filtered dimension: the share of what the filter keeps")
        for t in self.having:
            if t.op not in OPERATORS:
                raise ValueError(f"a threshold's operator is one of {', '.join(OPERATORS)}")
        for b in self.amount:
            if b.op not in OPERATORS:
                raise ValueError(f"an amount bound's operator is one of {', '.join(OPERATORS)}")

    @classmethod
    def of(cls, data: dict) -> "MetricQuery":
        """From plain data (a tool's arguments)."""
        filters = {k: tuple([v] if isinstance(v, str) else v) for k, v in (data.get("filters") or {}).items() if v}
        having = tuple(t if isinstance(t, Threshold) else Threshold(t["metric"], t.get("op", ">="), float(t["value"]))
                       for t in data.get("having") or ())
        amount = tuple(b if isinstance(b, AmountBound) else AmountBound(b.get("op", ">="), float(b["value"]))
                       for b in data.get("amount") or ())
        return cls(metrics=tuple(data["metrics"]), group_by=tuple(data.get("group_by") or ()), filters=filters,
                   period=PeriodSpec.of(data.get("period")), compare_to=data.get("compare_to"),
                   order=data.get("order"), limit=data.get("limit"), having=having, amount=amount,
                   count_groups=bool(data.get("count_groups")), share_of=data.get("share_of"),
                   snapshot=data.get("snapshot"))
