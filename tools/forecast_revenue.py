"""Tool: the revenue forecast of the current and next quarter, calibrated on the store's own closed deals."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from crm.metrics import caller_of
from crm.outlook import forecast_revenue
from tools.base import ToolContext, ToolSpec


class ForecastRevenueArgs(BaseModel):
    quarters: Literal["this", "next", "both"] = Field(
        "both", description="this quarter, the next one, or both (the default)")
    language: Literal["en", "zh"] | None = Field(None, description="the language of the question; default the user's")


def run(ctx: ToolContext, args: ForecastRevenueArgs) -> dict:
    lang = args.language or (ctx.actor.language if ctx.actor.language in ("en", "zh") else "en")
    with ctx.store.session() as s:
        result = forecast_revenue(s, caller_of(s, ctx.actor), ctx.today, quarters=1 if args.quarters == "this" else 2)
    if args.quarters == "next":
        result.quarters = result.quarters[1:]
    method = result.method(lang)
    return {"about": result.sentence(lang), "items": result.table(lang), "total": len(result.quarters),
            "how": {"method": method, "weights": result.calibration.weights,
                    "evidence": result.calibration.evidence(lang), "scope": result.scope},
            ("计算方法" if lang == "zh" else "how it was computed"): method}


TOOL = ToolSpec(
    name="forecast_revenue",
    summary="Forecast revenue for the current and next quarter: revenue already won plus the open pipeline expected "
            "to close, each deal weighted by its stage's win rate learnt from the store's own closed deals, with an "
            "80% range; scoped to the asker's units.",
    args=ForecastRevenueArgs,
    run=run,
    examples=[
        "revenue forecast this quarter",
        "what will we close this quarter and next",
        "forecast for next quarter",
        "how much revenue do we expect to book by the end of the quarter",
        "projected revenue for my region this quarter",
        "what's our sales outlook for the coming quarter",
        "本季度收入预测",
        "预测一下下个季度的收入",
        "这个季度预计能收入多少",
        "本季度和下季度的销售预测",
        "我们区域这个季度的业绩预估",
    ],
)
