"""Tool: decisions already taken on discounts (or quotes) of the rep's unit: outcome, who decided, when, why; reads only."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from crm.autonomy.past_decisions import past_decisions
from tools.base import ToolContext, ToolSpec, entity


class DiscountDecisionsArgs(BaseModel):
    deal: str | None = entity("deal", "the deal: its id like D-1042, or words of its title such as the account or "
                                      "product", None)
    account: str | None = entity("account", "only this account's deals", None)
    outcome: Literal["accept", "reject", "needs_evidence", "escalated"] | None = Field(
        None, description="only decisions with this outcome (escalated: still waiting for the approver)")
    mine: bool = Field(False, description="only the requests you made yourself")
    industry: str | None = Field(None, description="only decisions on deals of accounts in this industry, e.g. "
                                                   "retail, logistics, manufacturing ('what did we give retail "
                                                   "customers before?')")
    kind: Literal["discount", "quote"] = Field("discount", description="discount requests or quote approvals")


def run(ctx: ToolContext, args: DiscountDecisionsArgs) -> dict:
    with ctx.store.session() as s:
        items, total, about = past_decisions(s, ctx.actor, deal=args.deal, account=args.account, kind=args.kind,
                                             outcome=args.outcome, mine=args.mine, industry=args.industry)
    return {"items": items, "total": total, "about": about}


TOOL = ToolSpec(
    name="discount_decisions",
    summary=("Discount requests (or quote approvals) already decided on your unit's deals, newest first: the outcome "
             "(accepted, rejected, needs evidence, waiting for approval), who decided (the contract or the approver), "
             "when, and why. Reads the record of past decisions; it decides and requests nothing."),
    args=DiscountDecisionsArgs,
    run=run,
    examples=[
        "was the discount on D-1042 approved?",
        "did my discount request for Globex go through?",
        "who approved the discount on the Acme renewal, and when?",
        "why was the discount on D-1867 rejected?",
        "which of my discount requests are still waiting for approval?",
        "show the discount decisions on Initech's deals",
        "D-1993的折扣批了吗",
        "上次申请的折扣结果怎么样了",
        "海天电子那单的折扣是谁批的？",
        "我的折扣申请有被拒的吗",
        "北辰医疗器械之前申请过的折扣都是什么结果",
        "还有哪些折扣在等审批",
        "what discount did we give the last time we sold to a manufacturing customer?",
        "以前给物流行业的客户批过多少折扣",
    ],
)
