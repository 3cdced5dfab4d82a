"""Unusual periods in a metric's series ("which month had unusually many complaints"): the robust z-score of each
complete week/month/quarter against the series' median and median absolute deviation (Iglewicz & Hoaglin: a
modified z-score beyond 3.5 is an outlier), read through the metrics engine, so scope and analytics consent apply
as for any metric. Each unusual period says by how much, and which part of it (a case category, a unit) grew most."""
from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from crm.metrics.answer import fmt, group_label
from crm.metrics.catalog import Catalog, default_catalog
from crm.metrics.engine import MetricResult, run_query
from crm.metrics.query import MetricQuery
from crm.metrics.scope import Caller
from crm.outlook.words import columns, yes_no

THRESHOLD = 3.5  # |modified z| beyond this is unusual
MAD_SCALE = 0.6745  # makes the MAD comparable to a standard deviation for normal data
MEAN_AD_SCALE = 1.253314  # when more than half the values are equal (MAD 0): the mean absolute deviation instead
DEFAULT_SPAN = {"week": 26, "month": 24, "quarter": 12}
BREAKDOWN = ("case_category", "unit")  # the first of these the metric supports explains an unusual period
DIRECTIONS = ("high", "low", "both")


@dataclass
class Point:
    bucket: str
    value: float
    z: float
    part: str = ""  # the part that moved most, in words (filled for unusual points)
    part_zh: str = ""


@dataclass
class AnomalyReport:
    metric: str
    label: dict[str, str]
    unit: str
    grain: str
    series: list[Point]
    median: float
    spread: float  # MAD, or the scaled mean absolute deviation when the MAD is 0
    spread_kind: str  # "MAD" or "mean absolute deviation"
    direction: str
    result: MetricResult
    unusual: list[Point] = field(default_factory=list)

    def sentence(self, lang: str = "en") -> str:
        name = self.label.get(lang) or self.label["en"]
        v = lambda x: fmt(x, self.unit, lang)  # noqa: E731
        first, last = self.series[0].bucket, self.series[-1].bucket
        if not self.unusual:
            if lang == "zh":
                return f"{first} 至 {last} 期间没有哪个时段的{name}异常（中位数 {v(self.median)}，所有时段的稳健 z 值都在 ±{THRESHOLD} 以内）。"
            return (f"No {self.grain} from {first} to {last} had unusual {name}: every one is within a robust z-score "
                    f"of ±{THRESHOLD} of the median {v(self.median)}.")
        worst = max(self.unusual, key=lambda p: abs(p.z))
        others = [p.bucket for p in self.unusual if p is not worst]
        if lang == "zh":
            more = "多" if worst.z > 0 else "少"
            text = (f"{worst.bucket} 的{name}异常地{more}：{v(worst.value)}，而中位数为 {v(self.median)}"
                    f"（稳健 z 值 {worst.z:+.1f}）")
            text += f"；{worst.part_zh}" if worst.part_zh else ""
            return text + (f"。另有异常时段：{'、'.join(others)}。" if others else "。")
        more = "many" if worst.z > 0 else "few"
        text = (f"{worst.bucket} had unusually {more} {name}: {v(worst.value)} against a median of {v(self.median)} "
                f"(robust z {worst.z:+.1f})")
        text += f"; {worst.part}" if worst.part else ""
        return text + (f". Also unusual: {', '.join(others)}." if others else ".")

    def table(self, lang: str = "en") -> list[dict]:
        cols = columns("metric_anomalies", lang, grain=self.grain)
        rows = self.unusual if self.unusual else self.series
        return [dict(zip(cols, (p.bucket, fmt(p.value, self.unit, lang), round(p.z, 2), yes_no(p in self.unusual, lang),
                                (p.part_zh if lang == "zh" else p.part) or "")))
                for p in rows]

    def method(self, lang: str = "en") -> str:
        n = len(self.series)
        if lang == "zh":
            return (f"取 {self.series[0].bucket} 至 {self.series[-1].bucket} 共 {n} 个完整时段的指标值（与 query_metrics "
                    f"同一引擎、同一范围与同意规则），稳健 z 值 = 0.6745 ×（数值 − 中位数 {fmt(self.median, self.unit, 'zh')}）÷ "
                    f"MAD；MAD 为 0 时改用平均绝对偏差 × 1.2533。|z| > {THRESHOLD} 视为异常。")
        return (f"{n} complete {self.grain}s from {self.series[0].bucket} to {self.series[-1].bucket}, measured by the "
                f"metrics engine (same scope and consent as query_metrics). Robust z = 0.6745 × (value − median "
                f"{fmt(self.median, self.unit)}) ÷ MAD (median absolute deviation"
                f"{'' if self.spread_kind == 'MAD' else '; it was 0, so the mean absolute deviation × 1.2533'}). "
                f"|z| above {THRESHOLD} is unusual ({'high and low' if self.direction == 'both' else self.direction}).")


def robust_z(values: list[float]) -> tuple[list[float], float, float, str]:
    """Each value's modified z-score, the median, the spread and which spread was used."""
    median = statistics.median(values)
    deviations = [abs(x - median) for x in values]
    mad = statistics.median(deviations)
    if mad > 0:
        return [MAD_SCALE * (x - median) / mad for x in values], median, mad, "MAD"
    mean_ad = sum(deviations) / len(deviations)
    if mean_ad == 0:
        return [0.0] * len(values), median, 0.0, "MAD"
    return [(x - median) / (MEAN_AD_SCALE * mean_ad) for x in values], median, mean_ad, "mean absolute deviation"


def find_anomalies(session: Session, caller: Caller, metric: str, as_of: dt.date, *, grain: str = "month",
                   periods: int | None = None, direction: str = "both", now: dt.datetime | None = None,
                   catalog: Catalog | None = None) -> AnomalyReport:
    """Unusual complete periods of `metric` over the last `periods` weeks, months or quarters."""
    catalog = catalog or default_catalog()
    if grain not in DEFAULT_SPAN:
        raise ValueError(f"look for unusual periods by {', '.join(DEFAULT_SPAN)}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction is one of {', '.join(DIRECTIONS)}")
    n = periods or DEFAULT_SPAN[grain]
    if n < 6:
        raise ValueError("an unusual period stands out only against at least 6 others; ask for a longer span")
    span = {"relative": "past", "grain": grain, "n": n}
    result = run_query(session, MetricQuery((metric,), (grain,), period=span), caller, as_of=as_of, now=now,
                       catalog=catalog)
    m = result.metrics[0]
    if not m.additive and m.unit not in ("count", "money"):
        pass  # ratios and averages are compared per period all the same
    series = [(row[grain], float(row.get(metric) or 0.0)) for row in result.rows]
    zs, median, spread, kind = robust_z([v for _, v in series])
    points = [Point(b, v, z) for (b, v), z in zip(series, zs)]
    unusual = [p for p in points if (p.z > THRESHOLD and direction != "low") or (p.z < -THRESHOLD and direction != "high")]
    report = AnomalyReport(metric, dict(m.label), m.unit, grain, points, median, spread, kind, direction, result,
                           unusual)
    if unusual:
        _explain_parts(session, caller, catalog, report, span, as_of, now)
    return report


def _explain_parts(session, caller, catalog, report: AnomalyReport, span, as_of, now) -> None:
    """For each unusual period: the part (case category, unit) furthest above or below its own usual level."""
    m = catalog.metric(report.metric)
    dim = next((catalog.dimension(d) for d in BREAKDOWN if catalog.supports(m, catalog.dimension(d))), None)
    if dim is None:
        return
    parts = run_query(session, MetricQuery((report.metric,), (report.grain, dim.name), period=span), caller,
                      as_of=as_of, now=now, catalog=catalog)
    cells: dict[str, dict[str, float]] = {}
    names: dict[str, tuple[str, str]] = {}
    for row in parts.rows:
        key = str(row[dim.name])
        cells.setdefault(key, {})[row[report.grain]] = float(row.get(report.metric) or 0.0)
        names[key] = (group_label(row, dim, "en"), group_label(row, dim, "zh"))
    buckets = [p.bucket for p in report.series]
    for point in report.unusual:
        best = None
        for key, by_bucket in cells.items():
            usual = statistics.median([by_bucket.get(b, 0.0) for b in buckets])
            moved = by_bucket.get(point.bucket, 0.0) - usual
            if best is None or (moved if point.z > 0 else -moved) > best[1]:
                best = (key, moved if point.z > 0 else -moved, by_bucket.get(point.bucket, 0.0), usual)
        if best and best[1] > 0:
            key, _, value, usual = best
            en, zh = names[key]
            point.part = (f"most of the change in {dim.label['en']} '{en}': {fmt(value, report.unit)} against its usual "
                          f"{fmt(usual, report.unit)}")
            point.part_zh = (f"变化主要来自{dim.label.get('zh', dim.name)}“{zh}”：{fmt(value, report.unit, 'zh')}，"
                             f"通常为 {fmt(usual, report.unit, 'zh')}")
