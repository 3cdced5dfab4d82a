"""Which tools exist, and which specialist agent carries each."""
from __future__ import annotations

from tools import (account_summary, approve_quote, case_status, change_case_status, check_discount, clone_contract_template, competitor_prices,
                   correct_my_data, discount_decisions, erase_my_data, export_my_data, find_accounts, find_contacts,
                   find_deals, grant_consent, log_activity,
                   move_deal_stage, my_consents, my_data, my_data_access, open_case, query_metrics,
                   record_competitor_price, request_discount, revoke_consent, search_notes, undo_last, unit_status,
                   update_deal, where_did_you_get)
from tools import (complete_task, create_task, daily_brief, draft_followup, find_activities,  # the rep's day
                   last_discussed, my_tasks, overdue_followups, prep_meeting)
from tools import deals_at_risk, forecast_revenue, metric_anomalies  # beyond the past
from tools import approvals_waiting, decide_approval  # the approver's desk
from tools import (diff_prompt_versions, list_prompts, live_prompt_version, prompt_eval_result,  # prompt engineers
                   promote_prompt_version, rollback_prompt, show_prompt)
from tools.base import ToolSpec

ALL: dict[str, ToolSpec] = {m.TOOL.name: m.TOOL for m in (
    find_accounts, find_contacts, find_deals, account_summary, log_activity, move_deal_stage, update_deal, open_case,
    request_discount, check_discount, discount_decisions, approve_quote, record_competitor_price, competitor_prices,
    change_case_status, case_status, search_notes, query_metrics, unit_status, clone_contract_template,
    my_data, where_did_you_get, my_data_access, my_consents, revoke_consent, grant_consent, export_my_data, erase_my_data,
    correct_my_data, create_task, my_tasks, overdue_followups, complete_task, prep_meeting,
    daily_brief, undo_last, draft_followup, last_discussed, find_activities, forecast_revenue, deals_at_risk, metric_anomalies,
    list_prompts, show_prompt, diff_prompt_versions, live_prompt_version, prompt_eval_result, promote_prompt_version,
    rollback_prompt, approvals_waiting, decide_approval)}

TOOLSETS: dict[str, list[str]] = {
    "sales": ["find_accounts", "find_contacts", "find_deals", "account_summary", "log_activity", "move_deal_stage",
              "update_deal", "open_case", "change_case_status", "case_status", "request_discount", "check_discount", "discount_decisions", "approve_quote",
              "record_competitor_price", "competitor_prices", "search_notes", "create_task", "my_tasks",
              "overdue_followups", "complete_task", "prep_meeting", "daily_brief", "undo_last", "draft_followup", "last_discussed", "find_activities",
              "deals_at_risk", "forecast_revenue",
              "metric_anomalies"],
    "analyst": ["query_metrics", "unit_status", "clone_contract_template", "check_discount", "find_deals",
                "account_summary", "find_accounts", "prep_meeting", "forecast_revenue", "deals_at_risk",
                "metric_anomalies", "approvals_waiting", "decide_approval"],
    "privacy": ["my_data", "where_did_you_get", "my_data_access", "my_consents", "revoke_consent", "grant_consent", "export_my_data",
                "erase_my_data", "correct_my_data", "open_case", "undo_last"],
    "prompt_ops": ["list_prompts", "show_prompt", "diff_prompt_versions", "live_prompt_version", "prompt_eval_result",
                   "promote_prompt_version", "rollback_prompt"],
}


def toolset(agent: str) -> list[ToolSpec]:
    return [ALL[name] for name in TOOLSETS[agent]]
