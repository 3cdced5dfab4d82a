"""Tool: change a deal's expected close date or amount."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from crm.services.deal_changes import update_deal as update, update_plan
from tools.base import ToolContext, ToolSpec, entity, slot


class UpdateDealArgs(BaseModel):
    deal: str = entity("deal", "the deal: its id like D-1042, or words of its title such as the product")
    account: str | None = entity("account", "the deal's account, to tell deals apart", None)
    expected_close: dt.date | None = slot("date", "the new expected close date, ahead of today", None)
    amount: float | None = Field(None, gt=0, description="the deal's new amount (value), e.g. 120000 for '120k'",
                                 json_schema_extra={"x-slot": "amount"})
    reason: str | None = slot("reason", "why it changed, e.g. 'their budget moved to Q1'", None)


def run(ctx: ToolContext, args: UpdateDealArgs) -> dict:
    now = ctx.clock()
    with ctx.store.session() as s:
        return update(s, ctx.actor, deal=args.deal, account=args.account, expected_close=args.expected_close,
                      amount=args.amount, reason=args.reason, today=now.date(), now=now)


def plan(ctx: ToolContext, args: UpdateDealArgs) -> dict | None:
    """A large change of the amount is confirmed first; a close date or a small change is not (undo reverts it)."""
    with ctx.store.session() as s:
        return update_plan(s, ctx.actor, deal=args.deal, account=args.account, expected_close=args.expected_close,
                           amount=args.amount, today=ctx.today)


TOOL = ToolSpec(
    name="update_deal",
    summary="Change a deal's expected close date or its amount (value), with the reason if one is given.",
    args=UpdateDealArgs,
    run=run,
    writes=True,
    confirm=plan,
    examples=[
        "push D-1042's close date to 15 January",
        "the Globex deal is now worth 120k",
        "change the amount of D-88 to 250,000",
        "move the expected close of the Initech deal to end of March",
        "把D-1042的预计成交日期改到下个月15号",
        "北辰那个单子的金额改成30万",
        "D-57预计成交时间推迟到明年2月",
        "海天电子的商机金额更新为50万",
    ],
)
