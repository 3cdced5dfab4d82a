"""Which tools each specialist agent carries, and their LangChain form bound to the acting user."""
from __future__ import annotations

from tools import (account_summary, find_accounts, find_contacts, find_deals, log_activity, move_deal_stage,
                   my_data, open_case, pipeline_summary, win_rate)
from tools.base import ToolSpec

ALL: dict[str, ToolSpec] = {m.TOOL.name: m.TOOL for m in (
    find_accounts, find_contacts, find_deals, account_summary, log_activity, move_deal_stage, open_case,
    pipeline_summary, win_rate, my_data)}

TOOLSETS: dict[str, list[str]] = {
    "sales": ["find_accounts", "find_contacts", "find_deals", "account_summary", "log_activity", "move_deal_stage",
              "open_case"],
    "analyst": ["pipeline_summary", "win_rate", "find_deals", "account_summary", "find_accounts"],
    "privacy": ["my_data", "open_case"],
}


def register(spec: ToolSpec, *agents: str) -> None:
    """Add a tool to the registry and to the named agents' toolsets (how later capabilities plug in)."""
    ALL[spec.name] = spec
    for agent in agents:
        if spec.name not in TOOLSETS.setdefault(agent, []):
            TOOLSETS[agent].append(spec.name)


def toolset(agent: str) -> list[ToolSpec]:
    return [ALL[name] for name in TOOLSETS[agent]]
