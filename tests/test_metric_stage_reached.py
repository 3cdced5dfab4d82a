"""Deals by a stage they went through: "从提案到赢单的转化率", "win rate on deals that reached negotiation". No deal is in
proposal and won at once, so a stage still open said of won deals means the deals that reached it (the stage history,
`deal_stage_changes`); each figure is checked against SQL written here."""
from __future__ import annotations

import pytest

from crm.metrics.answer import sentence
from tests.metrics_support import ask, scalar
from tests.security.erasure_support import changed_rows, snapshot
from tests.test_query_metrics_tool import read

EAST = "FROM deals d JOIN sales_units u ON u.id = d.unit_id WHERE u.region = 'east'"
REACHED = "EXISTS (SELECT 1 FROM deal_stage_changes c WHERE c.deal_id = d.id AND c.to_stage = '{stage}')"


@pytest.mark.parametrize("stage", ["proposal", "negotiation"])
def test_conversion_from_a_stage_is_the_share_of_deals_that_reached_it_and_were_won(metrics_store, stage):
    reached = REACHED.format(stage=stage)
    want = scalar(metrics_store, f"SELECT SUM(CASE WHEN d.stage = 'won' THEN 1.0 ELSE 0 END) / COUNT(*) {EAST} AND {reached}")
    everyone = scalar(metrics_store, f"SELECT SUM(CASE WHEN d.stage = 'won' THEN 1.0 ELSE 0 END) / COUNT(*) {EAST}")
    result = ask(metrics_store, "zhao.lei", metrics=["conversion_rate"], filters={"reached_stage": [stage]})
    assert result.rows[0]["conversion_rate"] == pytest.approx(want)
    assert want > everyone  # deals further down the funnel convert better: the filter narrowed the deals
    assert "deal_stage_changes" in result.sql[0]


def test_win_rate_and_wins_of_deals_that_reached_negotiation_this_year(metrics_store):
    reached = REACHED.format(stage="negotiation")
    year = "d.closed_on BETWEEN '2026-01-01' AND '2026-12-31'"
    won = scalar(metrics_store, f"SELECT COUNT(*) {EAST} AND d.stage = 'won' AND {year} AND {reached}")
    closed = scalar(metrics_store, f"SELECT COUNT(*) {EAST} AND d.stage IN ('won', 'lost') AND {year} AND {reached}")
    assert won and closed > won
    period = {"relative": "this", "grain": "year"}
    result = ask(metrics_store, "zhao.lei", metrics=["won_deals", "win_rate"], filters={"reached_stage": ["negotiation"]},
                 period=period)
    assert result.rows[0]["won_deals"] == won and result.rows[0]["win_rate"] == pytest.approx(won / closed)


def test_a_stage_reached_filters_but_cannot_break_deals_down(metrics_store):
    with pytest.raises(ValueError, match="cannot break them down"):
        ask(metrics_store, "zhao.lei", metrics=["won_deals"], group_by=["reached_stage"])


def test_the_answer_says_which_deals_it_measured(metrics_store):
    result = ask(metrics_store, "zhao.lei", metrics=["conversion_rate"], filters={"reached_stage": ["proposal"]})
    assert sentence(result, "en").startswith("Conversion rate for deals that reached proposal to date: ")
    assert sentence(result, "zh").startswith("到过方案阶段的商机，至今转化率：")


@pytest.mark.parametrize(("question", "metric", "reached"), [
    ("从提案到赢单的转化率是多少", "conversion_rate", ["proposal"]),
    ("Conversion rate from proposal to won this year", "conversion_rate", ["proposal"]),
    ("方案阶段的赢单率", "win_rate", ["proposal"]),
    ("What's our win rate on deals that reached negotiation?", "win_rate", ["negotiation"]),
    ("How many deals in negotiation did we win this year?", "won_deals", ["negotiation"]),
])
def test_a_stage_said_of_won_deals_is_the_stage_they_reached(question, metric, reached):
    args = read(question)
    assert args["metrics"] == [metric] and args["filters"] == {"reached_stage": reached}


@pytest.mark.parametrize(("question", "filters"), [
    ("What's the conversion rate from lead to won by unit?", None),  # every deal starts as a lead: all of them
    ("Pipeline in proposal", {"stage": ["proposal"]}),  # open deals in a stage are the deals in it now
    ("谈判阶段有多少单子", {"stage": ["negotiation"]}),
])
def test_a_stage_of_open_deals_or_the_first_stage_is_no_stage_reached(question, filters):
    assert read(question).get("filters") == filters


def test_asking_a_conversion_in_chat_writes_nothing(tessera):
    before = snapshot(tessera.store)
    turn = tessera.chat("zhao.lei", "funnel", "从提案到赢单的转化率是多少")
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"], turn.reply
    assert turn.reply.startswith("到过方案阶段的商机") and "%" in turn.reply.splitlines()[0]
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "privacy_audit_log"}  # never writes
