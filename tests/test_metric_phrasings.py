"""Managers' phrasings the metric reader once misread (dev answers 812-859, written before their fixes): fiscal-year
words ("本财年第二季度", "Q3 of this fiscal year"), "this half", a bound said with 不足, "how many" asked after the
groups ("…的销售有几个"), a total of no records, a stage's pipeline asked with "what's"; and, through the whole model,
unusual months of a metric, a sum of an account's orders, and "my team's deals" at risk for a manager."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from crm.metrics.answer import fmt
from llm.offline.lexicon import Lexicon
from llm.offline.metric_query import fill
from llm.offline.reading import Reading


def read(sentence: str) -> dict:
    return fill(None, Reading(sentence, Lexicon({}), dt.date(2026, 11, 26))).args


@pytest.mark.parametrize(("sentence", "start", "end"), [
    ("本财年第二季度的平均折扣", "2026-04-01", "2026-06-30"),
    ("上财年的赢单金额", "2025-01-01", "2025-12-31"),
    ("win rate last fiscal year", "2025-01-01", "2025-12-31"),
    ("won value in Q3 of this fiscal year", "2026-07-01", "2026-09-30"),
    ("What's our average order value this half?", "2026-07-01", "2026-12-31"),
    ("won value in the previous half", "2026-01-01", "2026-06-30"),
])
def test_fiscal_years_and_halves_are_periods_not_a_breakdown_by_year(sentence, start, end):
    got = read(sentence)
    assert (got["period"]["start"], got["period"]["end"]) == (start, end)
    assert "year" not in (got.get("group_by") or [])


def test_the_last_half_year_is_still_the_six_months_before_this_one():
    assert read("the last half year won value")["period"]["n"] == 6


@pytest.mark.parametrize(("sentence", "metric", "op", "value"), [
    ("今年以来赢单金额不足50万的销售有几个", "won_value", "<", 500000.0),
    ("本月活动不足5条的销售有多少个", "activities", "<", 5.0),
    ("今年赢单超过10单的销售一共有几位", "won_deals", ">", 10.0),
])
def test_how_many_groups_asked_after_them_counts_the_groups_meeting_the_bound(sentence, metric, op, value):
    got = read(sentence)
    assert got["group_by"] == ["rep"] and got["count_groups"] is True
    assert got["having"] == [{"metric": metric, "op": op, "value": value}]


def test_a_rate_under_a_bound_said_with_buzu_keeps_the_groups_under_it():
    assert read("赢单率不足30%的销售")["having"] == [{"metric": "win_rate", "op": "<", "value": 0.3}]


@pytest.mark.parametrize(("sentence", "metrics"), [
    ("What's our closed-won total since September?", ["won_value"]),
    ("the lost total this year", ["lost_value"]),
    ("total won deals this year", ["won_deals"]),
    ("how many deals did we win in total this year", ["won_deals"]),
    ("What's sitting in negotiation in my region right now?", ["pipeline_value"]),
    ("How many deals are in negotiation?", ["open_deals"]),
])
def test_a_total_of_no_records_is_money_and_a_count_of_deals_stays_a_count(sentence, metrics):
    assert read(sentence)["metrics"] == metrics


def test_unusual_months_of_a_metric_go_to_the_anomalies_and_a_plain_monthly_breakdown_does_not(tessera):
    for sentence in ("any unusual months for lost deals this year?", "哪个月的回款不正常"):
        turn = tessera.chat("zhao.lei", sentence, sentence)
        assert [c["name"] for c in turn.tool_calls] == ["metric_anomalies"], turn.reply
    plain = tessera.chat("zhao.lei", "plain", "Lost deals per month this year")
    assert [c["name"] for c in plain.tool_calls] == ["query_metrics"], plain.reply


def test_how_much_an_account_ordered_is_its_order_revenue(tessera):
    turn = tessera.chat("zhao.lei", "acme", "How much did Acme Robotics order this year?")
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"], turn.reply
    with tessera.store.session() as s:
        total = s.execute(text("SELECT SUM(o.amount) FROM orders o JOIN accounts ac ON ac.id = o.account_id "
                               "WHERE ac.name = 'Acme Robotics' AND o.ordered_on BETWEEN '2026-01-01' AND "
                               "'2026-12-31'")).scalar()
    assert fmt(float(total), "money", "en") in turn.reply.split("\n")[0]


def test_my_teams_deals_at_risk_are_the_teams_not_the_managers_own(tessera):
    team = tessera.chat("zhao.lei", "team", "which of my team's deals are in trouble?")
    assert [c["name"] for c in team.tool_calls] == ["deals_at_risk"], team.reply
    assert not team.tool_calls[0]["args"].get("mine")
    assert "of the 0 open deals" not in team.reply
    own = tessera.chat("li.wei", "own", "which of my deals look risky?")
    assert own.tool_calls[0]["args"].get("mine") is True
