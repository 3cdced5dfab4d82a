"""The reasoning trace ("why") the offline model puts in front of its tool calls, and how to read it back.

Format, two lines:
    [offline] {"decision":"tool_call","intent":"find_deals","score":0.912,"margin":0.061,...}
    intent=find_deals score=0.912 margin=0.061 (next: account_summary 0.851); account='Acme Robotics' from 'acme'
The first line is a stable, machine-readable JSON object; the second says the same for people.
"""
from __future__ import annotations

import json

PREFIX = "[offline]"


def format_trace(trace: dict) -> str:
    return f"{PREFIX} {json.dumps(trace, ensure_ascii=False, separators=(',', ':'))}\n{why(trace)}"


def parse_trace(content: str | None) -> dict | None:
    """The trace dict from an assistant message's content, or None when it carries none."""
    first = (content or "").lstrip().split("\n", 1)[0]
    if not first.startswith(PREFIX):
        return None
    try:
        data = json.loads(first[len(PREFIX):].strip())
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def why(trace: dict) -> str:
    """One human-readable line: the chosen intent, its score and margin, and where each argument came from."""
    parts = [f"intent={trace.get('intent')} score={trace.get('score', 0):.3f} margin={trace.get('margin', 0):.3f}"]
    if trace.get("next"):
        parts[0] += " (next: " + ", ".join(f"{n} {s:.3f}" for n, s in trace["next"]) + ")"
    if trace.get("via") == "answer":
        parts[0] += " after a clarifying question"
    for name, arg in (trace.get("args") or {}).items():
        value = json.dumps(arg.get("value"), ensure_ascii=False)
        note = " (not in the lexicon)" if arg.get("how") == "guess" else ""
        parts.append(f"{name}={value} from {json.dumps(arg.get('from', ''), ensure_ascii=False)}{note}")
    return "; ".join(parts)
