"""Tool: point a label of a prompt (production by default) at a version: what the agents run changes with it."""
from __future__ import annotations

from pydantic import BaseModel, Field

from crm.prompt_registry import service
from tools import prompt_label_moves as moves
from tools.base import ToolContext, ToolSpec
from tools.prompt_access import prompt_arg, registry


class PromotePromptArgs(BaseModel):
    prompt: str = prompt_arg()
    version: int | None = Field(None, ge=1, description="the version to point at; default: the one `from_label` "
                                                        "points at, else the newest")
    label: str = Field("production", description="the label to move: production (what the agents run) or staging")
    from_label: str | None = Field(None, description="promote the version this label points at, e.g. staging")


def _target(s, files, args: PromotePromptArgs) -> tuple[str, int]:
    name = service.prompt_name(files, args.prompt)
    if args.version is not None:
        return name, service.version_of(s, files, name, version=args.version)
    return name, service.version_of(s, files, name, label=args.from_label or service.LATEST)


def confirm(ctx: ToolContext, args: PromotePromptArgs) -> dict:
    with registry(ctx) as (s, files):
        name, version = _target(s, files, args)
        planned = service.move_plan(s, files, name, args.label, version)
        return moves.plan(ctx, planned, files[name].agent, "promote")


def run(ctx: ToolContext, args: PromotePromptArgs) -> dict:
    with registry(ctx) as (s, files):
        name, version = _target(s, files, args)
        moved = service.move_label(s, files, name, args.label, version, by=ctx.actor.login, now=ctx.clock(),
                                   note="promoted in chat")
    return moves.result(ctx, moved)


TOOL = ToolSpec(
    name="promote_prompt_version",
    summary="Point a prompt's label at a version: production (what the agents run) by default, or staging. Shows "
            "the plan and waits for a yes (prompt engineers only).",
    args=PromotePromptArgs,
    run=run,
    writes=True,
    confirm=confirm,
    examples=[
        "promote version 3 of the sales prompt to production",
        "promote the staging supervisor prompt to production",
        "label v2 of the privacy prompt as staging",
        "把销售提示词第3版发布到生产环境",
        "把预发布的监督提示词上线",
    ],
)
