"""Tool: which version of a prompt is live (labelled production), and where its other labels point."""
from __future__ import annotations

from pydantic import BaseModel

from crm.prompt_registry import service
from tools.base import ToolContext, ToolSpec
from tools.prompt_access import prompt_arg, registry


class LivePromptArgs(BaseModel):
    prompt: str | None = prompt_arg(None)


def run(ctx: ToolContext, args: LivePromptArgs) -> dict:
    with registry(ctx) as (s, files):
        rows = service.live(s, files, args.prompt)
    if args.prompt is not None:
        r = rows[0]
        others = ", ".join(f"{k} v{v}" for k, v in r["labels"].items() if k != service.PRODUCTION) or "none"
        return {"verdict": "live", "values": {"prompt": r["prompt"], "production": r["production"],
                                              "latest": r["latest"], "others": others}}
    items = [{"prompt": r["prompt"], "production": f"v{r['production']}", "latest": f"v{r['latest']}",
              "other labels": ", ".join(f"{k} v{v}" for k, v in r["labels"].items() if k != service.PRODUCTION)
              or "—"} for r in rows]
    return {"items": items, "total": len(items), "about": "prompt versions in production"}


TOOL = ToolSpec(
    name="live_prompt_version",
    summary="Which version of a prompt is live (labelled production), with the newest version and the other labels "
            "(prompt engineers only).",
    args=LivePromptArgs,
    run=run,
    examples=[
        "which version of the privacy prompt is live?",
        "what prompt versions are in production right now?",
        "线上用的是销售提示词的哪个版本？",
        "隐私提示词现在生效的是第几版",
    ],
)
