"""Tool: record a competitor's price for one of our products, the evidence behind discounts that match it."""
from __future__ import annotations

from pydantic import BaseModel, Field

from crm.autonomy.competitors import record_competitor_price as record
from tools.base import ToolContext, ToolSpec, entity, slot


class RecordCompetitorPriceArgs(BaseModel):
    product: str = entity("product", "our product the competitor's price is for")
    price: float = slot("amount", "the competitor's price per unit, in CNY", gt=0)
    competitor: str = slot("competitor", "the competitor's name", "")
    region: str | None = Field(None, description="region the price was seen in (east, north, south); default: "
                                                 "the unit's own region",
                               json_schema_extra={"enum": ["east", "north", "south"]})


def run(ctx: ToolContext, args: RecordCompetitorPriceArgs) -> dict:
    with ctx.store.session() as s:
        return record(s, ctx.actor, product=args.product, price=args.price, competitor=args.competitor,
                      region=args.region, now=ctx.clock())


TOOL = ToolSpec(
    name="record_competitor_price",
    summary="Record the price a competitor offers for one of our products in a region, for the unit's price table.",
    args=RecordCompetitorPriceArgs,
    run=run,
    writes=True,
    examples=[
        "a rival sells the Edge Gateway for 7600",
        "note that HubSpot quoted 1000 per seat for the CRM Suite",
        "competitor price for the Smart POS Terminal is 3900 in the south",
        "log a competing offer of 8,900 for the Medical Device Monitor",
        "销售易的CRM套件报价是每套980元",
        "竞品的边缘网关卖7600",
        "记录一下竞争对手智能收银终端的价格3900",
        "对手给医疗设备监测仪报了8900",
    ],
)
