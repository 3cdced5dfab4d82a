"""What a user's role can do with Tessera: the tools of every specialist the role may reach, and what the role does
outside the chat. Given to the model as a system message, so a request that cannot be served is answered with the
user's own list (a prompt engineer's, a manager's), not that of the specialist the turn happened to reach."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from langchain_core.messages import SystemMessage

from agents.routing import allowed_specialists, role_toolset
from crm.data_files import read_yaml
from crm.language import language_of
from tools.base import ToolSpec

_FILE = Path(__file__).with_name("role_capabilities.yaml")
# The first line of the message; the offline model finds the list by it (llm/offline/offer.py).
HEADER = "What this user can do (role: {role}); when a request cannot be served, offer these, in the user's language:"


@cache
def _roles() -> dict:
    return read_yaml(_FILE)


def role_tools(role: str) -> list[ToolSpec]:
    """The tools of every specialist `role` may reach, once each, in routing order ("reads": those that write
    nothing, and the writes the role lists under `writes`)."""
    entry = _roles().get(role) or {}
    seen: dict[str, ToolSpec] = {}
    for agent in allowed_specialists(role):
        for tool in role_toolset(agent, role):
            seen.setdefault(tool.name, tool)
    tools = list(seen.values())
    if entry.get("tools") != "reads":
        return tools
    allowed = set(entry.get("writes") or ())
    return [t for t in tools if not t.writes or t.name in allowed]


def role_notes(role: str) -> list[dict[str, str]]:
    return list((_roles().get(role) or {}).get("notes") or [])


@cache
def capability_message(role: str) -> SystemMessage:
    """The list as text: one line per tool ("- name: summary | e.g. … | 例如…") and per note ("- note: … | …")."""
    lines = [HEADER.format(role=role)]
    for tool in role_tools(role):
        english = next((e for e in tool.examples if not _chinese(e)), "")
        chinese = next((e for e in tool.examples if _chinese(e)), "")
        lines.append(f"- {tool.name}: {' '.join(tool.summary.split())} | {english} | {chinese}")
    for note in role_notes(role):
        lines.append(f"- note: {note.get('en', '')} | {note.get('zh', '')}")
    return SystemMessage("\n".join(lines))


def _chinese(text: str) -> bool:
    return language_of(text) == "zh"
