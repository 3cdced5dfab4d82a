"""Tool: win rate grouped by region, unit or rep."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from crm.services.analytics import win_rate as rate
from tools.base import ToolContext, ToolSpec, slot
from tools.periods import Period


class WinRateArgs(BaseModel):
    group_by: Literal["region", "unit", "owner"] = Field("region", description="group by region, sales unit or rep")
    period: Period | None = slot("period", "period in which the deals closed", None)


def run(ctx: ToolContext, args: WinRateArgs) -> dict:
    period = args.period or Period()
    with ctx.store.session() as s:
        items, about = rate(s, ctx.actor, group_by=args.group_by, start=period.start, end=period.end)
    return {"items": items, "total": len(items), "about": about}


TOOL = ToolSpec(
    name="win_rate",
    summary="Win rate (won versus lost deals) grouped by region, sales unit or rep, for deals closed in a period.",
    args=WinRateArgs,
    run=run,
    examples=[
        "win rate by region",
        "what was our win rate last quarter",
        "which unit wins the most deals",
        "win rate per rep this year",
        "各区域的赢单率",
        "上季度的成交率是多少",
        "哪个销售的赢率最高",
        "按单元看今年的赢单率",
    ],
)
