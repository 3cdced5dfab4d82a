"""Tool: the open pipeline by stage."""
from __future__ import annotations

from pydantic import BaseModel, Field

from crm.services.analytics import pipeline_summary as summarise
from tools.base import ToolContext, ToolSpec, slot
from tools.periods import Period


class PipelineSummaryArgs(BaseModel):
    region: str | None = Field(None, description="region code", json_schema_extra={"enum": ["east", "north", "south"]})
    period: Period | None = slot("period", "period for the expected close date", None)


def run(ctx: ToolContext, args: PipelineSummaryArgs) -> dict:
    period = args.period or Period()
    with ctx.store.session() as s:
        items, about = summarise(s, ctx.actor, region=args.region, start=period.start, end=period.end)
    return {"items": items, "total": sum(i["deals"] for i in items), "about": about}


TOOL = ToolSpec(
    name="pipeline_summary",
    summary="Summarise the open pipeline by stage: number of deals, value and average margin.",
    args=PipelineSummaryArgs,
    run=run,
    examples=[
        "what does the pipeline look like",
        "pipeline in the north region",
        "how much is in the funnel closing this quarter",
        "show the sales funnel by stage",
        "现在的销售漏斗怎么样",
        "华北区的管道情况",
        "本季度预计成交的商机金额",
        "各阶段的商机数量和金额",
    ],
)
