"""Tool: every prompt with its versions and labels, or one prompt's versions with author, time and note."""
from __future__ import annotations

from pydantic import BaseModel

from crm.prompt_registry import service
from tools.base import ToolContext, ToolSpec, slot
from tools.periods import Period
from tools.prompt_access import prompt_arg, registry


class ListPromptsArgs(BaseModel):
    prompt: str | None = prompt_arg(None)
    changed_in: Period | None = slot("period", "only what changed in this period (new versions, labels moved), "
                                               "e.g. 'this week', '上个月'", None)


def _when(at) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else "file"


def _span(period: Period, lang: str) -> str:
    start, end = period.start or "…", period.end or "…"
    return f"{start} 至 {end}" if lang == "zh" else f"{start} to {end}"


def _changes_about(period: Period, lang: str) -> str:
    return f"提示词改动（{_span(period, lang)}）" if lang == "zh" else f"prompt changes, {_span(period, lang)}"


def _change(row: dict, lang: str) -> str:
    """One change as words: "v3 written", "staging unset → v3" (新版本 v3, staging：未设置 → v3)."""
    if row["kind"] == "version":
        return f"新版本 v{row['version']}" if lang == "zh" else f"v{row['version']} written"
    old = f"v{row['from_version']}" if row["from_version"] is not None else ("未设置" if lang == "zh" else "unset")
    return f"{row['label']}：{old} → v{row['version']}" if lang == "zh" else f"{row['label']} {old} → v{row['version']}"


def _nothing_changed(ever: list[dict], period: Period, prompt: str | None, lang: str) -> str:
    """No change in the period (to `prompt`, or to any): said so, with the last change before it, if any."""
    last = next((c for c in ever if period.start is None or c["at"].date() < period.start), None)
    if lang == "zh":
        before = f"此前最近一次是 {last['prompt']} 的{_change(last, lang)}（{last['by']}，{_when(last['at'])}）。" if last else ""
        return f"{_span(period, lang)} 期间{f' {prompt} 提示词' if prompt else '提示词'}没有改动。{before}"
    before = f" The last change before it: {last['prompt']} {_change(last, lang)} by {last['by']} on {_when(last['at'])}." \
        if last else ""
    return f"{f'The {prompt} prompt did not change' if prompt else 'No prompt changed'} from {_span(period, lang)}.{before}"


def run(ctx: ToolContext, args: ListPromptsArgs) -> dict:
    with registry(ctx) as (s, files):
        if args.changed_in is not None:
            period, lang = args.changed_in, "zh" if ctx.actor.language == "zh" else "en"
            ever = service.changes(s, files, None, None)
            if args.prompt is not None:
                ever = [r for r in ever if r["prompt"] == service.prompt_name(files, args.prompt)]
            rows = [r for r in ever if (period.start is None or r["at"].date() >= period.start)
                    and (period.end is None or r["at"].date() <= period.end)]
            items = [{"prompt": r["prompt"], "change": _change(r, lang), "by": r["by"], "when": _when(r["at"]),
                      "note": r["note"] or "—"} for r in rows]
            out = {"items": items, "total": len(items), "about": _changes_about(period, lang)}
            if not rows:
                out["answer"] = _nothing_changed(ever, period, args.prompt and service.prompt_name(files, args.prompt),
                                                 lang)
            return out
        if args.prompt is None:
            rows = service.overview(s, files)
            items = [{"prompt": r["prompt"], "agent": r["agent"], "versions": r["versions"],
                      "production": f"v{r['production']}",
                      "other labels": ", ".join(f"{k} v{v}" for k, v in r["labels"].items()) or "—",
                      "last change": _when(service.last_change(s, files, r["prompt"]))} for r in rows]
            return {"items": items, "total": len(items), "about": "prompts"}
        name = service.prompt_name(files, args.prompt)
        rows = service.versions(s, files, name)
    items = [{"version": f"v{r['version']}", "labels": ", ".join(r["labels"]) or "—", "author": r["author"],
              "created": _when(r["created_at"]),
              "note": r["note"]} for r in reversed(rows)]
    return {"items": items, "total": len(items), "about": f"versions of the {name} prompt"}


TOOL = ToolSpec(
    name="list_prompts",
    summary="List the prompts with their versions, where production points and when each last changed, or one "
            "prompt's versions with author, time, note and labels, or what changed in a period (prompt engineers "
            "only).",
    args=ListPromptsArgs,
    run=run,
    examples=[
        "list the prompts and their versions",
        "show me every version of the sales prompt",
        "who changed the privacy prompt and when?",
        "列出所有提示词和版本",
        "销售提示词有哪些版本？",
        "which prompts were changed this week?",
        "上个月改过哪些提示词？",
    ],
)
