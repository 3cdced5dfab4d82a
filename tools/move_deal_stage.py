"""Tool: move a deal to another pipeline stage."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from crm.services.deals import close_plan, move_deal_stage as move
from tools.base import ToolContext, ToolSpec, entity


class MoveDealStageArgs(BaseModel):
    deal: str = entity("deal", "the deal: its id like D-1042, or words of its title such as the product")
    stage: Literal["lead", "qualified", "proposal", "negotiation", "won", "lost"] = Field(
        description="the new stage")
    account: str | None = entity("account", "the deal's account, to tell deals apart", None)


def run(ctx: ToolContext, args: MoveDealStageArgs) -> dict:
    now = ctx.clock()
    with ctx.store.session() as s:
        return move(s, ctx.actor, deal=args.deal, stage=args.stage, account=args.account, today=now.date(), now=now)


def plan(ctx: ToolContext, args: MoveDealStageArgs) -> dict | None:
    """Closing a deal won or lost is confirmed first; a move between open stages is not (undo reverts it)."""
    with ctx.store.session() as s:
        return close_plan(s, ctx.actor, deal=args.deal, stage=args.stage, account=args.account)


TOOL = ToolSpec(
    name="move_deal_stage",
    summary="Move a deal to another stage of the pipeline (lead, qualified, proposal, negotiation, won, lost).",
    args=MoveDealStageArgs,
    run=run,
    writes=True,
    confirm=plan,
    examples=[
        "move D-1042 to negotiation",
        "we won the Acme deal, mark it won",
        "the Globex opportunity is lost",
        "set deal D-88 to proposal",
        "把D-1042推进到谈判阶段",
        "北辰的项目签约了，改成赢单",
        "这个商机丢了，标记为输单",
        "把D-57改到报价阶段",
    ],
)
