"""What a turn's tools returned, read from its messages: each successful result that is a JSON object, and the
Vega-Lite charts among them. Channels show them (tables, cards, charts); the runtime hands a new turn's charts
back with its result, so no channel reads the thread again for them."""
from __future__ import annotations

import json
from collections.abc import Iterable

from langchain_core.messages import BaseMessage, ToolMessage


def tool_results(messages: Iterable[BaseMessage]) -> list[tuple[str, dict]]:
    """(tool name, result) for each tool message that did not fail and holds a JSON object, in order."""
    found = []
    for m in messages:
        if isinstance(m, ToolMessage) and m.status != "error":
            try:
                data = json.loads(m.content) if isinstance(m.content, str) else {}
            except json.JSONDecodeError:
                continue
            if isinstance(data, dict):
                found.append((m.name or "tool", data))
    return found


def charts_in(results: list[tuple[str, dict]]) -> list[dict]:
    """The charts the tools drew (a result's `chart`, a Vega-Lite spec)."""
    return [data["chart"] for _name, data in results if isinstance(data.get("chart"), dict)]
