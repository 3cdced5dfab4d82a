"""Tool: the requests waiting for the asker's decision (discounts and quotes the contract handed over); reads only."""
from __future__ import annotations

from pydantic import BaseModel

from tools.base import ToolContext, ToolSpec


class ApprovalsWaitingArgs(BaseModel):
    pass


def run(ctx: ToolContext, args: ApprovalsWaitingArgs) -> dict:
    items = ctx.approvals.waiting(ctx.actor)
    return {"items": items, "total": len(items), "about": "waiting for your decision"}


TOOL = ToolSpec(
    name="approvals_waiting",
    summary=("The requests waiting for your decision as an approver: discounts and quotes your units' contracts did "
             "not cover, with the deal, who asked, when and why the contract handed them over. Reads only; to "
             "decide one, say 'approve' or 'reject' it."),
    args=ApprovalsWaitingArgs,
    run=run,
    examples=[
        "anything waiting for my approval?",
        "what do I need to approve?",
        "show my pending approvals",
        "which discount requests are waiting for me?",
        "有什么要我审批的吗",
        "我的待审批",
        "哪些折扣申请在等我批",
    ],
)
