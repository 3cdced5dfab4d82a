"""Tool: ask for a discount on a deal; the unit's autonomy contract accepts, asks for evidence, rejects or escalates."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from crm.autonomy.decisions import request_decision
from crm.autonomy.escalation import raise_if_escalated
from crm.autonomy.results import tool_result
from crm.services.deals import price_plan
from tools.base import ToolContext, ToolSpec, entity, slot


class RequestDiscountArgs(BaseModel):
    deal: str = entity("deal", "the deal: its id like D-1042, or words of its title such as the account or product")
    percent: float = Field(gt=0, lt=100, description="the discount in percent: 8 means 8% off the deal's amount",
                           json_schema_extra={"x-slot": "percent"})
    reason: str | None = slot("free_text", "why the customer should get it, e.g. the competitor's offer", None)
    promised_on: dt.date | None = slot("date", "the delivery date promised to the customer", None)


def run(ctx: ToolContext, args: RequestDiscountArgs) -> dict:
    view = request_decision(ctx.store, ctx.actor, kind="discount", deal=args.deal, percent=args.percent,
                            reason=args.reason, promised_on=args.promised_on, now=ctx.clock())
    return tool_result(raise_if_escalated(ctx.store, view, clock=ctx.clock))


def plan(ctx: ToolContext, args: RequestDiscountArgs) -> dict:
    with ctx.store.session() as s:
        return price_plan(s, ctx.actor, deal=args.deal, kind="discount", percent=args.percent)


TOOL = ToolSpec(
    name="request_discount",
    summary=("Ask for a price discount on a deal. The unit's autonomy contract checks margin, budget, payment "
             "history, competitor prices and lead time, then accepts (and books it), asks for missing evidence, "
             "rejects with the rule that failed, or sends it to the approver."),
    args=RequestDiscountArgs,
    run=run,
    writes=True,
    confirm=plan,
    examples=[
        "request an 8% discount on D-1042",
        "give Acme Robotics 5 percent off, their competitor quoted lower",
        "apply a 10% price cut to the Globex deal, delivery promised by 2026-12-20",
        "the customer wants 6% off the edge gateway deal to match a rival offer",
        "I need approval for 12% off D-2017",
        "给D-1042申请8%的折扣",
        "北辰医疗器械的项目想打九五折，竞争对手报价更低",
        "申请给Acme降价百分之六，交期承诺12月20日",
        "客户要求再让5个点，帮我申请",
        "这个商机给10%的优惠，申请一下",
    ],
)
