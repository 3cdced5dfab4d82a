"""Tool: roll a prompt's label (production by default) back to the version it pointed at before its last move."""
from __future__ import annotations

from pydantic import BaseModel, Field

from crm.prompt_registry import service
from tools import prompt_label_moves as moves
from tools.base import ToolContext, ToolSpec
from tools.prompt_access import prompt_arg, registry


class RollbackPromptArgs(BaseModel):
    prompt: str = prompt_arg()
    label: str = Field("production", description="the label to roll back: production (what the agents run) or staging")


def confirm(ctx: ToolContext, args: RollbackPromptArgs) -> dict:
    with registry(ctx) as (s, files):
        name = service.prompt_name(files, args.prompt)
        target = service.rollback_target(s, files, name, args.label)
        planned = service.move_plan(s, files, name, args.label, target)
        return moves.plan(ctx, planned, files[name].agent, "rollback")


def run(ctx: ToolContext, args: RollbackPromptArgs) -> dict:
    with registry(ctx) as (s, files):
        name = service.prompt_name(files, args.prompt)
        target = service.rollback_target(s, files, name, args.label)
        moved = service.move_label(s, files, name, args.label, target, by=ctx.actor.login, now=ctx.clock(),
                                   note="rolled back in chat")
    return moves.result(ctx, moved)


TOOL = ToolSpec(
    name="rollback_prompt",
    summary="Roll a prompt back: point production (or another label) at the version it had before its last move. "
            "Shows the plan and waits for a yes (prompt engineers only).",
    args=RollbackPromptArgs,
    run=run,
    writes=True,
    confirm=confirm,
    examples=[
        "roll back the sales prompt",
        "revert the privacy prompt to the previous version",
        "把销售提示词回滚到上一个版本",
        "隐私提示词退回上一版",
    ],
)
