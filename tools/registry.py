"""Which tools exist, and which specialist agent carries each."""
from __future__ import annotations

from tools import (account_summary, approve_quote, clone_contract_template, find_accounts, find_contacts, find_deals,
                   log_activity, move_deal_stage, my_data, open_case, pipeline_summary, record_competitor_price,
                   request_discount, unit_status, win_rate)
from tools.base import ToolSpec

ALL: dict[str, ToolSpec] = {m.TOOL.name: m.TOOL for m in (
    find_accounts, find_contacts, find_deals, account_summary, log_activity, move_deal_stage, open_case,
    request_discount, approve_quote, record_competitor_price,
    pipeline_summary, win_rate, unit_status, clone_contract_template,
    my_data)}

TOOLSETS: dict[str, list[str]] = {
    "sales": ["find_accounts", "find_contacts", "find_deals", "account_summary", "log_activity", "move_deal_stage",
              "open_case", "request_discount", "approve_quote", "record_competitor_price"],
    "analyst": ["pipeline_summary", "win_rate", "unit_status", "clone_contract_template", "find_deals",
                "account_summary", "find_accounts"],
    "privacy": ["my_data", "open_case"],
}


def toolset(agent: str) -> list[ToolSpec]:
    return [ALL[name] for name in TOOLSETS[agent]]
