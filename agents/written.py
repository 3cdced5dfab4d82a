"""What a turn wrote, read from its tool results: shown under the reply with the way to undo it, whatever the model said."""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from langchain_core.messages import ToolMessage

from crm.data_files import read_yaml

WORDS_FILE = Path(__file__).with_name("written.yaml")

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
    words = (_data().get("words") or {}).get(language) or {}
    said = (_data().get("sentences") or {})
    said = said.get(language) or said["en"]
    prefixes = (_data().get("record_prefixes") or {}).get(language) or {}
    shown = [f"{_record(w.get('record'), prefixes)} {_w(w.get('field'), words)}: {_w(_v(w.get('old'), w.get('field')), words)} → {_w(_v(w.get('new'), w.get('field')), words)}"
             for w in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        shown.append(f"… +{len(lines) - MAX_LINES}")
    return said["lead"] + said["sep"].join(shown) + said["end"] + (said["undo"] if undo_ids else said["no_undo"])


@cache
def _data() -> dict:
    """The line's sentences and words by language (written.yaml): one language per reply."""
    return read_yaml(WORDS_FILE) or {}


def _record(record, prefixes: dict) -> str:
    said = str(record)
    return next((to + said[len(start):] for start, to in prefixes.items() if said.startswith(start)), said)


def _w(value, words: dict) -> str:
    return words.get(str(value), str(value))


# Fields shown as money (173,145) and as a share (32.1%), as the deal tables show them, not as the store keeps them.
_MONEY = frozenset({"amount", "cost", "price", "value", "budget", "total", "revenue"})
_SHARE = frozenset({"margin", "discount", "rate", "probability", "share"})


def _v(value, field=None) -> str:
    if value in (None, ""):
        return "—"
    name = str(field or "").lower()
    kind = ("money" if name in _MONEY or name.endswith(("_amount", "_price", "_cost")) else
            "share" if name in _SHARE or name.endswith(("_margin", "_rate", "_share")) else None)
    if kind and not isinstance(value, bool):
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return str(value)
        if kind == "share" and abs(number) <= 1:
            return f"{number * 100:.1f}%"
        if kind == "money":
            return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"
    return str(value)
