"""Whether a sentence asks for a figure (query_metrics) or for records (find_deals, unit_status): figures are
answered, lists stay lists, and a tool two specialists share speaks for both handovers."""
from __future__ import annotations

import datetime as dt

import pytest

from agents.routing import allowed_specialists
from agents.supervisor import transfer_tool
from llm.offline.decide import TurnPolicy
from tools.registry import toolset
from tools.schema import openai_tool

POLICY = TurnPolicy(clock=lambda: dt.date(2026, 11, 26))


def chosen(text: str, agent: str = "sales") -> str:
    reply = POLICY.reply([{"role": "user", "content": text}], [openai_tool(t) for t in toolset(agent)])
    return reply.tool_calls[0].name if reply.tool_calls else reply.kind


def test_a_tool_two_specialists_share_speaks_for_both_handovers():
    allowed = allowed_specialists("manager")
    described = {a: transfer_tool(a, allowed)["function"]["description"] for a in allowed}
    example = next(e for e in next(t for t in toolset("analyst") if t.name == "find_deals").examples)
    assert all(f"- {example}" in text for text in described.values())


@pytest.mark.parametrize("text", ["what's my win rate this quarter?", "我这个季度赢了多少钱",
                                  "how many deals did I win last month?", "我的平均客单价是多少"])
def test_my_own_figure_goes_to_the_metrics_tool(text):
    assert chosen(text, "analyst") == "query_metrics"


@pytest.mark.parametrize("text", ["下个月预计成交、金额在20万以上的商机有哪些", "我手上处于需求确认阶段的商机列一下",
                                  "which of my open deals has nobody touched for two weeks or more?", "看一下本月的商机",
                                  "deals over 100000 closing this quarter"])
def test_a_list_of_deals_stays_a_list(text):
    assert chosen(text) == "find_deals"


@pytest.mark.parametrize("text", ["把这个单子标成输单", "mark the Acme deal as lost"])
def test_an_action_naming_an_outcome_goes_to_sales(text):
    allowed = allowed_specialists("manager")
    reply = POLICY.reply([{"role": "user", "content": text}], [transfer_tool(a, allowed) for a in allowed])
    assert [c.name for c in reply.tool_calls] == ["transfer_to_sales"]


@pytest.mark.parametrize(("text", "tool"), [("What's the total overdue amount?", "query_metrics"),
                                            ("are any of our units running out of discount budget?", "unit_status")])
def test_the_dashboard_is_chosen_on_its_own_words(text, tool):
    assert chosen(text, "analyst") == tool


@pytest.mark.parametrize("text", ["how is my team doing against its budget?", "我们区的预算还剩多少"])
def test_my_team_on_the_dashboard_is_the_askers_own_units(text):
    reply = POLICY.reply([{"role": "user", "content": text}], [openai_tool(t) for t in toolset("analyst")])
    assert reply.tool_calls[0].name == "unit_status" and reply.tool_calls[0].arguments["unit"] == "mine"


def test_a_request_to_act_after_an_exclamation_is_not_a_figure():
    assert chosen("Initech signed!! please close D-1867 as won") != "query_metrics"


def test_news_of_one_named_deal_is_not_a_figure():
    assert chosen("we lost the Summit Logistics parcel locker deal, they went with a cheaper vendor") != "query_metrics"


@pytest.mark.parametrize(("text", "tool"), [("上个月丢单最多的销售是谁", "query_metrics"),
                                            ("列出丢单风险最高的3个商机", "deals_at_risk"),
                                            ("哪些单子快要丢单了", "deals_at_risk")])
def test_deals_lost_are_a_figure_and_deals_about_to_be_lost_a_risk(text, tool):
    assert chosen(text, "analyst") == tool
