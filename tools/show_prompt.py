"""Tool: the text of one version of a prompt (production unless a version or a label is named)."""
from __future__ import annotations

from pydantic import BaseModel, Field

from crm.prompt_registry import service
from tools.base import ToolContext, ToolSpec
from tools.prompt_access import prompt_arg, registry


class ShowPromptArgs(BaseModel):
    prompt: str = prompt_arg()
    version: int | None = Field(None, ge=1, description="a version number; default: the production version")
    label: str | None = Field(None, description="the version a label points at, e.g. staging")


def run(ctx: ToolContext, args: ShowPromptArgs) -> dict:
    with registry(ctx) as (s, files):
        found = service.show(s, files, args.prompt, version=args.version, label=args.label)
    return {"verdict": "shown", "values": {"prompt": found["prompt"], "version": found["version"],
                                           "labels": ", ".join(found["labels"]) or "—", "author": found["author"]},
            "text": found["text"]}


TOOL = ToolSpec(
    name="show_prompt",
    summary="Show the text of a prompt version: production by default, or a version number or a label such as "
            "staging (prompt engineers only).",
    args=ShowPromptArgs,
    run=run,
    examples=[
        "show me the privacy prompt",
        "print version 2 of the sales prompt",
        "what does the staging supervisor prompt say?",
        "给我看看隐私提示词的全文",
        "销售提示词第3版的内容",
    ],
)
