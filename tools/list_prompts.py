"""Tool: every prompt with its versions and labels, or one prompt's versions with author, time and note."""
from __future__ import annotations

from pydantic import BaseModel

from crm.prompt_registry import service
from tools.base import ToolContext, ToolSpec
from tools.prompt_access import prompt_arg, registry


class ListPromptsArgs(BaseModel):
    prompt: str | None = prompt_arg(None)


def run(ctx: ToolContext, args: ListPromptsArgs) -> dict:
    with registry(ctx) as (s, files):
        if args.prompt is None:
            rows = service.overview(s, files)
            items = [{"prompt": r["prompt"], "agent": r["agent"], "versions": r["versions"],
                      "production": f"v{r['production']}",
                      "other labels": ", ".join(f"{k} v{v}" for k, v in r["labels"].items()) or "—"} for r in rows]
            return {"items": items, "total": len(items), "about": "prompts"}
        name = service.prompt_name(files, args.prompt)
        rows = service.versions(s, files, name)
    items = [{"version": f"v{r['version']}", "labels": ", ".join(r["labels"]) or "—", "author": r["author"],
              "created": r["created_at"].strftime("%Y-%m-%d %H:%M") if r["created_at"] else "file",
              "note": r["note"]} for r in reversed(rows)]
    return {"items": items, "total": len(items), "about": f"versions of the {name} prompt"}


TOOL = ToolSpec(
    name="list_prompts",
    summary="List the prompts with their versions and where production points, or one prompt's versions with "
            "author, time, note and labels (prompt engineers only).",
    args=ListPromptsArgs,
    run=run,
    examples=[
        "list the prompts and their versions",
        "show me every version of the sales prompt",
        "who changed the privacy prompt and when?",
        "列出所有提示词和版本",
        "销售提示词有哪些版本？",
    ],
)
