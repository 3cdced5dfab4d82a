"""Tool: unusual weeks, months or quarters in a governed metric's series, each with how far off and why."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from crm.metrics import UnknownMetric, caller_of, default_catalog
from crm.outlook import find_anomalies
from crm.actor import CannotAnswer
from tools.base import ToolContext, ToolSpec

CATALOG = default_catalog()


class MetricAnomaliesArgs(BaseModel):
    metric: str = Field(description="a metric name: " + ", ".join(CATALOG.metrics))
    grain: Literal["week", "month", "quarter"] = "month"
    periods: int | None = Field(None, ge=6, le=120, description="how many complete periods to look over "
                                                                "(default 26 weeks, 24 months or 12 quarters)")
    direction: Literal["high", "low", "both"] = Field("both", description="unusually high, low, or either")
    language: Literal["en", "zh"] | None = Field(None, description="the language of the question; default the user's")


def run(ctx: ToolContext, args: MetricAnomaliesArgs) -> dict:
    lang = args.language or (ctx.actor.language if ctx.actor.language in ("en", "zh") else "en")
    with ctx.store.session() as s:
        try:
            report = find_anomalies(s, caller_of(s, ctx.actor), args.metric, ctx.today, grain=args.grain,
                                    periods=args.periods, direction=args.direction, now=ctx.clock())
        except UnknownMetric as exc:
            known = ", ".join(m.name_in(lang) for m in CATALOG.metrics.values())
            raise CannotAnswer(f"I can't do that: {exc}. The metrics I can look at are: {known}.") from exc
    method = report.method(lang)
    return {"about": report.sentence(lang), "items": report.table(lang), "total": len(report.table(lang)),
            "how": {"method": method, **report.result.explain(lang)},
            ("计算方法" if lang == "zh" else "how it was computed"): method}


TOOL = ToolSpec(
    name="metric_anomalies",
    summary="Find unusual weeks, months or quarters in a metric's history (complaints, won value, activities, "
            "late payments, ...) by a robust z-score against its median, and say which part moved.",
    args=MetricAnomaliesArgs,
    run=run,
    examples=[
        "which month had unusually many complaints",
        "any unusual spikes in complaints",
        "were there anomalies in won value over the past two years",
        "which week had an abnormal number of activities",
        "did late payments jump in any month",
        "哪个月投诉异常多",
        "投诉有没有异常的月份",
        "哪个月的赢单金额异常",
        "最近哪几周的活动数量不正常",
        "逾期付款有没有突然增多的月份",
    ],
)
