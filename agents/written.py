"""What a turn wrote, read from its tool results: shown under the reply with the way to undo it, whatever the model said."""
from __future__ import annotations

import json

from langchain_core.messages import ToolMessage

MAX_LINES = 8


def written_in(messages: list) -> tuple[list[dict], list[int]]:
    """The turn's writes (record, field, old → new) and the undo ids offered for them."""
    lines, undo_ids = [], []
    for m in messages:
        if not isinstance(m, ToolMessage) or m.status == "error" or not isinstance(m.content, str):
            continue
        try:
            data = json.loads(m.content)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            lines += data.get("written") or []
            if isinstance(data.get("undo"), dict) and data["undo"].get("id") is not None:
                undo_ids.append(int(data["undo"]["id"]))
    return lines, undo_ids


def written_note(lines: list[dict], undo_ids: list[int], language: str) -> str:
    """"Written: D-12 stage: proposal → negotiation. Say 'undo' to take it back." (or in Chinese)."""
    if not lines:
        return ""
    shown = [f"{w.get('record')} {w.get('field')}: {_v(w.get('old'))} → {_v(w.get('new'))}" for w in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        shown.append(f"… +{len(lines) - MAX_LINES}")
    if language == "zh":
        tail = "回复“撤销”可以撤回。" if undo_ids else "此操作无法撤销。"
        return "已写入：" + "；".join(shown) + "。" + tail
    tail = "Say 'undo' to take it back." if undo_ids else "This cannot be undone."
    return "Written: " + "; ".join(shown) + ". " + tail


def _v(value) -> str:
    return "—" if value in (None, "") else str(value)
