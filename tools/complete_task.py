"""Tool: mark one of my tasks done (or cancel it); its reminder will not fire."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from crm.tasks.service import close_task
from tools.base import ToolContext, ToolSpec, slot


class CompleteTaskArgs(BaseModel):
    task: str = slot("free_text", "the task: its id (T-12) or words of its title")
    status: Literal["done", "cancelled"] = Field("done", description="done, or cancelled when it is no longer needed")


def run(ctx: ToolContext, args: CompleteTaskArgs) -> dict:
    with ctx.store.session() as s:
        return close_task(s, ctx.actor, task=args.task, now=ctx.clock(), status=args.status)


TOOL = ToolSpec(
    name="complete_task",
    summary="Mark one of your tasks or reminders as done, or cancel it; a closed task's reminder is not sent.",
    args=CompleteTaskArgs,
    run=run,
    writes=True,
    examples=[
        "mark T-12 as done",
        "I called Mark Taylor, close that task",
        "cancel the reminder about the Acme quote",
        "任务T-12已完成",
        "取消给王总打电话的提醒",
    ],
)
