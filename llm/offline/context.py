"""Names carried over from earlier turns: "add a note on them" right after a summary of Acme means Acme."""
from __future__ import annotations

import json
import re

from llm.offline.arguments import Filled, Filling
from llm.offline.lexicon import Lexicon
from llm.offline.messages import Turn
from llm.offline.schema import ToolView, coerce

# Words that point back at something already named. Optional arguments are carried over only with one of
# them ("show their deals"); a missing required one ("log a call") is looked up in any case.
POINTING_BACK = re.compile(
    r"\b(?:them|their|they|it|its|there|that (?:account|customer|company|deal|one)|this (?:account|customer|"
    r"company|deal|one)|the same (?:account|customer|deal))\b|他们|她们|它们|这家|那家|该客户|这个客户|那个客户|"
    r"那边|这边|他家|对方|这个单子|那个单子|这单|该商机|这个商机|那个商机|他们家", re.I)


def carry_over(view: ToolView, filling: Filling, text: str, history: list[Turn], views: list[ToolView],
               lexicon: Lexicon) -> None:
    """Fill missing entity arguments of `view` with the latest name of that kind in `history`."""
    pointing = bool(POINTING_BACK.search(text))
    for p in view.params:
        if not p.entity or p.name in filling.args or any(a[0].name == p.name for a in filling.ambiguous):
            continue
        if not (p.required or pointing):
            continue
        found = latest_name(p.entity, history, views, lexicon)
        if found is None:
            continue
        value, source = found
        filling.args[p.name] = coerce(p, value)
        filling.filled.append(Filled(p.name, filling.args[p.name], source, "context"))
        filling.missing = [m for m in filling.missing if m.name != p.name]


def latest_name(kind: str, history: list[Turn], views: list[ToolView], lexicon: Lexicon) -> tuple[str, str] | None:
    """The most recent `kind` name: an argument of an earlier tool call, or a name in an earlier message."""
    params = {v.name: {p.name for p in v.params if p.entity == kind} for v in views}
    for turn in reversed(history):
        if turn.role == "assistant":
            for call in reversed(turn.tool_calls):
                args = _args(call.get("arguments"))
                for name in params.get(call.get("name"), {kind}):
                    value = args.get(name)
                    if isinstance(value, str) and value.strip():
                        return value, f"{call.get('name')}.{name} earlier"
        elif turn.role == "user":
            names = [m for m in lexicon.match(kind, turn.text) if not m.ambiguous]
            if names:
                return names[-1].canonical, f"'{names[-1].text}' earlier"
    return None


def _args(raw) -> dict:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
