"""Tool: the last eval run recorded for a prompt (or one version of it): model, split, figures per user type; or two
versions' runs side by side, with the change in points."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from crm.prompt_registry import eval_rows, service
from tools.base import ToolContext, ToolSpec
from tools.prompt_access import prompt_arg, registry


class PromptEvalArgs(BaseModel):
    prompt: str = prompt_arg()
    version: int | None = Field(None, ge=1, description="one version; default: the newest run of any version (with "
                                                        "compare_to: the newest version)")
    compare_to: int | Literal["previous"] | None = Field(
        None, description="compare with this version's run, or 'previous' for the version before; default: no "
                          "comparison")


def run(ctx: ToolContext, args: PromptEvalArgs) -> dict:
    if args.compare_to is not None:
        return _compared(ctx, args)
    with registry(ctx) as (s, files):
        found = service.last_eval(s, files, args.prompt, version=args.version)
    items = eval_rows.run_rows(found)
    return {"verdict": "eval", "values": {"prompt": found["prompt"], "version": found["version"],
                                          "model": found["model"], "split": found["split"],
                                          "ran_at": found["ran_at"].strftime("%Y-%m-%d %H:%M")},
            "items": items, "total": len(items), "about": "per user type"}


def _compared(ctx: ToolContext, args: PromptEvalArgs) -> dict:
    with registry(ctx) as (s, files):
        found = service.compare_evals(s, files, args.prompt, version=args.version, compare_to=args.compare_to)
    new, old = f"v{found['version']}", f"v{found['other']}"
    items = eval_rows.compared_rows(found)
    runs = found["runs"]
    values = {"prompt": found["prompt"], "new": new, "old": old, "new_run": eval_rows.run_said(runs[found["version"]]),
              "old_run": eval_rows.run_said(runs[found["other"]])}
    verdict = "compared" if found["comparable"] else "compared_unlike"
    return {"verdict": verdict, "values": values, "items": items, "total": len(items), "about": "per user type"}


TOOL = ToolSpec(
    name="prompt_eval_result",
    summary="The last eval run recorded for a prompt or one of its versions: model, split and the figures per user "
            "type; or two versions' runs side by side with the change in points (prompt engineers only; "
            "`tessera eval` records them).",
    args=PromptEvalArgs,
    run=run,
    examples=[
        "how did the last eval of the analyst prompt score?",
        "eval results for version 2 of the privacy prompt",
        "销售提示词上次评测的成绩怎么样？",
        "隐私提示词第2版的评测结果",
        "how did v3 of the supervisor prompt score against v2?",
        "did the newest sales prompt do better on the evals than the previous version?",
        "分析提示词第2版和第1版的评测成绩对比",
        "新版销售提示词的评测分数比上一版高吗",
    ],
)
