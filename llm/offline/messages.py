"""The conversation as the offline model reads it: OpenAI-format messages reduced to role, text and calls."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Turn:
    role: str
    text: str
    tool_calls: tuple[dict, ...] = field(default_factory=tuple)  # {"id", "name", "arguments"}
    tool_call_id: str | None = None
    name: str | None = None


def read_messages(messages: list[Any]) -> list[Turn]:
    return [_turn(m if isinstance(m, dict) else _as_dict(m)) for m in messages or []]


def _as_dict(message: Any) -> dict:
    if hasattr(message, "model_dump"):
        return message.model_dump()
    return dict(message)


def _turn(m: dict) -> Turn:
    calls = []
    for call in m.get("tool_calls") or []:
        call = call if isinstance(call, dict) else _as_dict(call)
        fn = call.get("function") or {}
        fn = fn if isinstance(fn, dict) else _as_dict(fn)
        calls.append({"id": call.get("id"), "name": fn.get("name"), "arguments": fn.get("arguments")})
    return Turn(role=str(m.get("role") or ""), text=text_of(m.get("content")), tool_calls=tuple(calls),
                tool_call_id=m.get("tool_call_id"), name=m.get("name"))


# Terminal colour codes pasted with the text ("\x1b[1;31mD-2017\x1b[0m"): never part of a name or a number.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


def text_of(content: Any) -> str:
    """Plain text of a message content: a string, or the text parts of a list of content parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return _ANSI.sub("", content)
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict):
                parts.append(str(part.get("text") or "") if part.get("type", "text") == "text" else "")
            else:
                parts.append(str(part))
        return "\n".join(p for p in parts if p)
    if isinstance(content, dict):
        return json.dumps(content, ensure_ascii=False)
    return str(content)


def last_index(turns: list[Turn], role: str) -> int | None:
    return next((i for i in range(len(turns) - 1, -1, -1) if turns[i].role == role), None)
