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
    words = _ZH if language == "zh" else {}
    shown = [f"{w.get('record')} {_w(w.get('field'), words)}: {_w(_v(w.get('old')), words)} → {_w(_v(w.get('new')), words)}"
             for w in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        shown.append(f"… +{len(lines) - MAX_LINES}")
    if language == "zh":
        tail = "回复“撤销”可以撤回。" if undo_ids else "此操作无法撤销。"
        return "已写入：" + "；".join(shown) + "。" + tail
    tail = "Say 'undo' to take it back." if undo_ids else "This cannot be undone."
    return "Written: " + "; ".join(shown) + ". " + tail


# The markers and stage names the written line shows, in Chinese: one language per reply
_ZH = {"(created)": "（新建）", "(removed)": "（已删除）", "stage": "阶段", "status": "状态", "lead": "线索",
       "qualified": "已确认", "proposal": "方案", "negotiation": "谈判", "won": "赢单", "lost": "输单",
       "open": "未结", "done": "已完成", "cancelled": "已取消"}


def _w(value, words: dict) -> str:
    return words.get(str(value), str(value))


def _v(value) -> str:
    return "—" if value in (None, "") else str(value)
