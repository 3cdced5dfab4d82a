"""Tool: close, resolve or reopen one of your unit's support cases, confirmed first."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from crm.services.cases import case_id_of, case_status_plan, change_case_status
from tools.base import ToolContext, ToolSpec, slot


class ChangeCaseStatusArgs(BaseModel):
    case: str = slot("free_text", "the case: its id, e.g. C-12")
    status: Literal["open", "in_progress", "resolved", "closed"] = Field(
        "closed", description="the new status: closed or resolved to close it, open or in_progress to reopen it")


def run(ctx: ToolContext, args: ChangeCaseStatusArgs) -> dict:
    with ctx.store.session() as s:
        return change_case_status(s, ctx.actor, case_id=case_id_of(args.case), status=args.status, now=ctx.clock())


def plan(ctx: ToolContext, args: ChangeCaseStatusArgs) -> dict | None:
    """Every change of a case's status is confirmed first (the customer sees it; undo does not take it back)."""
    with ctx.store.session() as s:
        return case_status_plan(s, ctx.actor, case_id=case_id_of(args.case), status=args.status)


TOOL = ToolSpec(
    name="change_case_status",
    summary="Close, resolve or reopen a support case (ticket) of your unit's accounts, by its id (C-12).",
    args=ChangeCaseStatusArgs,
    run=run,
    writes=True,
    confirm=plan,
    examples=[
        "close case C-12",
        "mark ticket C-40 as resolved",
        "reopen C-7, the customer says the fault is back",
        "set C-33 to in progress",
        "把工单C-12关闭",
        "C-40已经解决了，标记为已解决",
        "重新打开工单C-7",
    ],
)
