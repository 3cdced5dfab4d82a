"""Tool: my open tasks and reminders, the soonest due first."""
from __future__ import annotations

from pydantic import BaseModel, Field

from crm.tasks.service import my_tasks
from tools.base import ToolContext, ToolSpec, slot


class MyTasksArgs(BaseModel):
    owner: str | None = Field(None, description="a rep whose tasks a manager wants to see (login or name)")
    within_days: int | None = slot("days_ahead", "only tasks due within this many days from today ('in the next 3 "
                                                 "days', 'this week', '三天内到期'); 0: due today or overdue", None,
                                   ge=0, le=90)


def run(ctx: ToolContext, args: MyTasksArgs) -> dict:
    with ctx.store.session() as s:
        items, total, about = my_tasks(s, ctx.actor, now=ctx.clock(), owner=args.owner,
                                       within_days=args.within_days)
    return {"items": items, "total": total, "about": about}


TOOL = ToolSpec(
    name="my_tasks",
    summary="List your open tasks and reminders (follow-ups, calls, e-mails to send), the soonest due first.",
    args=MyTasksArgs,
    run=run,
    examples=[
        "what are my tasks",
        "show my to-do list",
        "what reminders do I have this week",
        "list my open reminders",
        "我的待办事项",
        "我有哪些任务",
        "这周有什么提醒",
        "列出我的提醒",
        "which tasks are due in the next few days",
        "这几天内到期的任务",
    ],
)
