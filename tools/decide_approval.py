"""Tool: the approver decides a request waiting for them ("approve it", "reject CD-3: margin too low", "批准")."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from tools.base import ToolContext, ToolSpec, entity, slot


class DecideApprovalArgs(BaseModel):
    decision: Literal["approve", "reject"] = Field(description="approve or reject the request")
    request: str | None = entity("deal", "which request: its deal id like D-1042 (or its decision id like CD-3); "
                                         "omit it when only one request is waiting", None)
    note: str = slot("free_text", "why, for the requester (optional)", "")


def confirm(ctx: ToolContext, args: DecideApprovalArgs) -> dict:
    return ctx.approvals.plan(ctx.actor, args.request, args.decision == "approve", args.note)


def run(ctx: ToolContext, args: DecideApprovalArgs) -> dict:
    decided = ctx.approvals.claim(ctx.actor, args.request, args.decision == "approve", args.note,
                                  turn_id=ctx.turn_id)
    return {"verdict": decided["decided"], "values": decided}


TOOL = ToolSpec(
    name="decide_approval",
    summary=("Approve or reject a request waiting for your decision as an approver (a discount or quote the "
             "contract handed over). Shows what will happen and waits for a yes; the requester's conversation then "
             "continues with your decision."),
    args=DecideApprovalArgs,
    run=run,
    writes=True,
    confirm=confirm,
    undoable=False,
    examples=[
        "approve it",
        "approve the discount on D-1042",
        "reject CD-3, the margin is too thin",
        "decline that request",
        "批准这个折扣",
        "驳回这个申请，毛利太低",
    ],
)
