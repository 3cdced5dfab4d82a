"""Tool: a unified diff between two versions of a prompt (by default its last two)."""
from __future__ import annotations

from pydantic import BaseModel, Field

from crm.prompt_registry import service
from tools.base import ToolContext, ToolSpec
from tools.prompt_access import prompt_arg, registry


class DiffPromptArgs(BaseModel):
    prompt: str = prompt_arg()
    old: int | None = Field(None, ge=1, description="one version; with neither, the last two versions")
    new: int | None = Field(None, ge=1, description="the other version (the order does not matter)")
    old_label: str | None = Field(None, max_length=40, description="a label (production, staging) naming one version "
                                                                   "instead of its number")
    new_label: str | None = Field(None, max_length=40, description="a label naming the other version")


def run(ctx: ToolContext, args: DiffPromptArgs) -> dict:
    with registry(ctx) as (s, files):
        found = service.diff(s, files, args.prompt, old=args.old, new=args.new, old_label=args.old_label,
                             new_label=args.new_label)
    values = {k: found[k] for k in ("prompt", "old", "new", "added", "removed")}
    if found["same"]:
        return {"verdict": "same", "values": values}
    return {"verdict": "diff", "values": values, "diff": found["diff"]}


TOOL = ToolSpec(
    name="diff_prompt_versions",
    summary="Compare two versions of a prompt as a unified diff: the last two by default, or the versions named, by "
            "number or by label such as production and staging (prompt engineers only).",
    args=DiffPromptArgs,
    run=run,
    examples=[
        "show me the differences between the last two versions of the sales prompt",
        "diff v2 vs v1 of the privacy prompt",
        "what changed in the supervisor prompt?",
        "对比销售提示词最近两个版本",
        "隐私提示词第1版和第2版有什么不同",
        "what's different between production and staging of the supervisor prompt?",
        "销售提示词的预发布版本和线上版本有什么区别",
    ],
)
