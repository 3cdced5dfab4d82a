"""Tool: approve a deal's quote under the unit's autonomy contract, or send it to the approver."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from crm.autonomy.decisions import request_decision
from crm.autonomy.escalation import raise_if_escalated
from crm.autonomy.results import tool_result
from crm.services.deals import price_plan
from tools.base import ToolContext, ToolSpec, entity, slot


class ApproveQuoteArgs(BaseModel):
    deal: str = entity("deal", "the deal whose quote to approve: its id like D-1042, or words of its title")
    promised_on: dt.date | None = slot("date", "the delivery date the quote promises", None)


def run(ctx: ToolContext, args: ApproveQuoteArgs) -> dict:
    view = request_decision(ctx.store, ctx.actor, kind="quote", deal=args.deal, promised_on=args.promised_on,
                            now=ctx.clock())
    return tool_result(raise_if_escalated(ctx.store, view, clock=ctx.clock))


def plan(ctx: ToolContext, args: ApproveQuoteArgs) -> dict:
    with ctx.store.session() as s:
        return price_plan(s, ctx.actor, deal=args.deal, kind="quote")


TOOL = ToolSpec(
    name="approve_quote",
    summary=("Approve the quote of a deal at its current price: the unit's autonomy contract checks the margin floor,"
             " the discount off list price, the customer's payment record, lead time and the unit's approval limit."),
    args=ApproveQuoteArgs,
    run=run,
    writes=True,
    confirm=plan,
    examples=[
        "approve the quote for D-1042",
        "is the Acme Robotics quotation OK to send",
        "sign off the pricing on the Globex proposal",
        "check whether our offer on D-2056 can go out, delivery by 2026-12-15",
        "can the unit approve this quote itself",
        "审批D-1042的报价",
        "海天电子的报价单可以发出去吗",
        "帮我批一下北辰医疗器械这个项目的报价",
        "这份报价需要上级审批吗",
        "确认D-2056的报价，交付日期12月15日",
    ],
)
