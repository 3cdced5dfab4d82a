"""Tool: where one of your unit's support cases stands (status, account, opened and closed dates), by its id."""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.cases import case_id_of, case_status
from tools.base import ToolContext, ToolSpec, slot


class CaseStatusArgs(BaseModel):
    case: str = slot("free_text", "the case: its id, e.g. C-12")


def run(ctx: ToolContext, args: CaseStatusArgs) -> dict:
    with ctx.store.session() as s:
        return case_status(s, ctx.actor, case_id=case_id_of(args.case))


TOOL = ToolSpec(
    name="case_status",
    summary="Where one support case (ticket) of your unit's accounts stands, by its id (C-12): open, in progress, "
            "resolved or closed, its account, kind, priority and when it was opened and closed. Changes nothing.",
    args=CaseStatusArgs,
    run=run,
    examples=[
        "is case C-12 still open?",
        "what's the status of ticket C-40",
        "has C-7 been resolved yet",
        "when was C-33 closed",
        "工单C-12关闭了吗？",
        "C-40现在是什么状态",
        "工单C-7解决了没有",
    ],
)
