"""Tool: the competitor prices the unit has recorded, per product and region; reads only."""
from __future__ import annotations

from pydantic import BaseModel

from crm.autonomy.competitors import competitor_prices
from tools.base import ToolContext, ToolSpec, entity, slot


class CompetitorPricesArgs(BaseModel):
    product: str | None = entity("product", "only this product of ours", None)
    competitor: str | None = slot("competitor", "only this competitor's prices", None)


def run(ctx: ToolContext, args: CompetitorPricesArgs) -> dict:
    with ctx.store.session() as s:
        items, about = competitor_prices(s, ctx.actor, product=args.product, competitor=args.competitor)
    return {"items": items, "total": len(items), "about": about}


TOOL = ToolSpec(
    name="competitor_prices",
    summary=("The competitor prices your unit has recorded: per product and region the competitor, their unit "
             "price next to our list price, who recorded it and when. Reads only; to record a new price use "
             "record_competitor_price."),
    args=CompetitorPricesArgs,
    run=run,
    examples=[
        "what competitor prices have we recorded?",
        "show me our competitor price table",
        "what is the competition charging for the Edge Gateway?",
        "which rival prices do we have on file?",
        "how much cheaper are the rivals on the Smart POS Terminal?",
        "我们记录了哪些竞品价格",
        "竞争对手的边缘网关卖多少钱？",
        "友商的报价我们记过哪些",
        "看一下竞品价格表",
    ],
)
