"""Tool: the last eval run recorded for a prompt (or one version of it): model, split, figures per user type."""
from __future__ import annotations

from pydantic import BaseModel, Field

from crm.prompt_registry import service
from tools.base import ToolContext, ToolSpec
from tools.prompt_access import prompt_arg, registry


class PromptEvalArgs(BaseModel):
    prompt: str = prompt_arg()
    version: int | None = Field(None, ge=1, description="one version; default: the newest run of any version")


def run(ctx: ToolContext, args: PromptEvalArgs) -> dict:
    with registry(ctx) as (s, files):
        found = service.last_eval(s, files, args.prompt, version=args.version)
    items = [{"user type": who, "scenarios": f.get("scenarios"), "tool choice": _pct(f.get("tool_choice")),
              "arguments": _pct(f.get("arguments")), "final state": _pct(f.get("state")),
              "must-not-write writes": f"{f.get('unwanted_writes', 0)}/{f.get('guarded_turns', 0)}"}
             for who, f in sorted(found["figures"].items())]
    return {"verdict": "eval", "values": {"prompt": found["prompt"], "version": found["version"],
                                          "model": found["model"], "split": found["split"],
                                          "ran_at": found["ran_at"].strftime("%Y-%m-%d %H:%M")},
            "items": items, "total": len(items), "about": "per user type"}


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1%}"


TOOL = ToolSpec(
    name="prompt_eval_result",
    summary="The last eval run recorded for a prompt or one of its versions: model, split and the figures per user "
            "type (prompt engineers only; `tessera eval` records them).",
    args=PromptEvalArgs,
    run=run,
    examples=[
        "how did the last eval of the analyst prompt score?",
        "eval results for version 2 of the privacy prompt",
        "销售提示词上次评测的成绩怎么样？",
        "隐私提示词第2版的评测结果",
    ],
)
