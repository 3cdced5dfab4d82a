"""The user's own list of what they can do, as the runtime gives it in a system message (agents/capabilities.py):
what a request that cannot be served is answered with, instead of the tools of the agent the turn reached."""
from __future__ import annotations

from dataclasses import dataclass

from llm.offline.messages import Turn
from llm.offline.schema import ToolView

# How the message opens (agents/capabilities.HEADER; tests/test_role_capabilities.py keeps the two the same).
LEAD = "What this user can do (role:"


@dataclass(frozen=True)
class Offer:
    tools: tuple[ToolView, ...]
    notes: tuple[dict[str, str], ...]


def role_offer(turns: list[Turn]) -> Offer | None:
    """The list from the latest system message that carries one, or None."""
    text = next((t.text for t in reversed(turns) if t.role == "system" and t.text.startswith(LEAD)), None)
    if text is None:
        return None
    tools, notes = [], []
    for line in text.splitlines()[1:]:
        if not line.startswith("- ") or ":" not in line:
            continue
        head, _, rest = line[2:].partition(":")
        parts = [p.strip() for p in rest.split(" | ")]
        if head == "note":
            notes.append({"en": parts[0], "zh": parts[1] if len(parts) > 1 else parts[0]})
        else:
            examples = tuple(p for p in parts[1:] if p)
            tools.append(ToolView(name=head.strip(), summary=parts[0], examples=examples, params=()))
    return Offer(tuple(tools), tuple(notes))
