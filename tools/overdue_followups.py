"""Tool: the follow-ups I have let slip: my open tasks past their due time, the most overdue first."""
from __future__ import annotations

from pydantic import BaseModel

from crm.tasks.service import my_tasks
from tools.base import ToolContext, ToolSpec


class OverdueArgs(BaseModel):
    """No arguments: the acting rep's own overdue tasks."""


def run(ctx: ToolContext, args: OverdueArgs) -> dict:
    with ctx.store.session() as s:
        items, total, about = my_tasks(s, ctx.actor, now=ctx.clock(), overdue_only=True)
    return {"items": items, "total": total, "about": about}


TOOL = ToolSpec(
    name="overdue_followups",
    summary="List your overdue follow-ups: open tasks and reminders whose due time has passed (not all deals).",
    args=OverdueArgs,
    run=run,
    examples=[
        "what follow-ups are overdue",
        "which of my tasks are overdue",
        "what did I forget to do, anything past due",
        "show my overdue reminders",
        "我有哪些逾期没跟进的事情？",
        "我有哪些过期的任务",
        "哪些待办已经逾期了",
        "逾期的待办",
    ],
)
