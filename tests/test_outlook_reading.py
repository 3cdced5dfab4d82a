"""Managers and reps ask for a forecast, deals at risk or unusual months in their own words, in English and Chinese;
the offline model calls the right tool with the right arguments, and the reply leads with the answer, then the
table, then how it was computed. Plain metric questions still go to query_metrics."""
from __future__ import annotations

import re

import pytest

ASKED = [
    ("zhao.lei", "revenue forecast this quarter", "forecast_revenue", {"quarters": "this"}),
    ("zhao.lei", "本季度收入预测", "forecast_revenue", {"quarters": "this"}),
    ("olivia.wang", "what are we projected to book next quarter?", "forecast_revenue", {"quarters": "next"}),
    ("liang.yu", "帮我预估一下这个季度和下个季度的收入", "forecast_revenue", {}),
    ("zhao.lei", "top 5 open deals at risk", "deals_at_risk", {"limit": 5}),
    ("zhao.lei", "哪些商机有风险", "deals_at_risk", {}),
    ("li.wei", "which of my deals look risky?", "deals_at_risk", {"mine": True}),
    ("olivia.wang", "风险最大的三个商机是哪些", "deals_at_risk", {"limit": 3}),
    ("zhao.lei", "which month had unusually many complaints", "metric_anomalies",
     {"metric": "complaints", "direction": "high"}),
    ("zhao.lei", "哪个月投诉异常多", "metric_anomalies", {"metric": "complaints", "direction": "high"}),
    ("liang.yu", "did won value drop abnormally in any quarter over the past three years?", "metric_anomalies",
     {"metric": "won_value", "grain": "quarter", "direction": "low", "periods": 12}),
    ("zhao.lei", "Complaints per month over the past five months", "query_metrics", {"metrics": ["complaints"]}),
    ("zhao.lei", "How many deals slipped past their expected close?", "query_metrics", {"metrics": ["slipped_deals"]}),
]


@pytest.mark.parametrize(("login", "text", "tool", "args"), ASKED, ids=[a[1] for a in ASKED])
def test_the_offline_model_routes_the_question_to_its_tool(tessera, login, text, tool, args):
    turn = tessera.chat(login, "t", text)
    assert [c["name"] for c in turn.tool_calls] == [tool], turn.reply
    got = turn.tool_calls[0]["args"]
    assert {k: got.get(k) for k in args} == args, got


def test_the_reply_leads_with_the_answer_then_the_table_and_how_it_was_computed(tessera):
    en = tessera.chat("zhao.lei", "en", "revenue forecast this quarter").reply
    lines = en.splitlines()
    assert lines[0].startswith("Revenue forecast for Q4 2026: ¥") and "80% range" in lines[0]
    assert lines[1].startswith("quarter") and "forecast" in lines[1]
    assert any(line.startswith("how it was computed: forecast = revenue won") for line in lines)
    zh = tessera.chat("zhao.lei", "zh", "哪些商机有风险").reply.splitlines()
    assert re.match(r"\d+ 个未关闭商机中有 \d+ 个有风险信号；风险最高的是 D-\d+ ", zh[0]), zh[0]
    assert zh[1].startswith("商机") and any(line.startswith("计算方法:") for line in zh)


@pytest.mark.parametrize(("login", "text", "tool"), [
    ("zhao.lei", "what's the weather forecast for tomorrow?", None),  # a forecast, but not of our revenue
    ("zhao.lei", "train a churn forecast model on our data", None),  # building a model is not asking for ours
    ("emma.chen", "show deals over 50k expected to close next month", "find_deals"),  # a list, not a forecast
])
def test_words_of_the_cue_alone_do_not_call_the_tool(tessera, login, text, tool):
    turn = tessera.chat(login, "t", text)
    assert [c["name"] for c in turn.tool_calls] == ([tool] if tool else []), turn.reply
