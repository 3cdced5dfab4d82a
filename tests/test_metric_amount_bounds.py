"""Records bounded by their own amount: "how many deals over 500K are still open", "今年成交金额超过50万的单子有几个".
A count or sum of such records is a figure of the asker's scope (a manager's region), answered by the metric layer
with the bound in its SQL; the same bound in a listing ("list deals above 500k closing this quarter") still lists
the deals; a bound on groups ("reps who sold more than 800K") still keeps groups."""
from __future__ import annotations


import pytest
from sqlalchemy import text

from tests.metrics_support import ask, scalar
from tests.security.erasure_support import changed_rows, snapshot
from tests.test_query_metrics_tool import read

EAST = "FROM deals d JOIN sales_units u ON u.id = d.unit_id WHERE u.region = 'east'"


@pytest.mark.parametrize(("metric", "bound", "sql"), [
    ("won_deals", {"op": ">", "value": 500000},
     f"SELECT COUNT(*) {EAST} AND d.stage = 'won' AND d.amount > 500000"),
    ("open_deals", {"op": ">=", "value": 300000},
     f"SELECT COUNT(*) {EAST} AND d.stage IN ('lead', 'qualified', 'proposal', 'negotiation') AND d.amount >= 300000"),
    ("pipeline_value", {"op": "<", "value": 100000},
     f"SELECT SUM(d.amount) {EAST} AND d.stage IN ('lead', 'qualified', 'proposal', 'negotiation') AND d.amount < 100000"),
    ("orders", {"op": ">", "value": 200000},
     "SELECT COUNT(*) FROM orders o JOIN deals d ON d.id = o.deal_id JOIN sales_units u ON u.id = d.unit_id "
     "WHERE u.region = 'east' AND o.amount > 200000"),
])
def test_a_bound_on_each_records_amount_counts_only_those_records(metrics_store, metric, bound, sql):
    result = ask(metrics_store, "zhao.lei", metrics=[metric], amount=[bound])
    want = scalar(metrics_store, sql)
    assert want  # the seed has such records: a zero would prove nothing
    assert result.rows[0][metric] == pytest.approx(float(want))
    unbounded = ask(metrics_store, "zhao.lei", metrics=[metric]).rows[0][metric]
    assert unbounded > result.rows[0][metric]  # the bound narrowed what was counted
    assert "amount" in result.sql[0]  # shown under "how it was computed"
    assert result.explain()["filters"]["amount"] == [f"{bound['op']} {bound['value']:g}"]


def test_the_bound_holds_in_the_period_compared_with(metrics_store):
    result = ask(metrics_store, "zhao.lei", metrics=["won_deals"], amount=[{"op": ">", "value": 500000}],
                 period={"fiscal_year": 2026}, compare_to="same_period_last_year")
    last_year = scalar(metrics_store, f"SELECT COUNT(*) {EAST} AND d.stage = 'won' AND d.amount > 500000 "
                               "AND d.closed_on BETWEEN '2025-01-01' AND '2025-11-26'")
    assert result.rows[0]["won_deals_previous"] == last_year


def test_records_without_an_amount_cannot_be_bounded_by_one(metrics_store):
    with pytest.raises(ValueError, match="no amount"):
        ask(metrics_store, "zhao.lei", metrics=["cases_opened"], amount=[{"op": ">", "value": 5}])


def test_the_answer_says_which_records_it_counted(metrics_store):
    from crm.metrics.answer import sentence
    result = ask(metrics_store, "zhao.lei", metrics=["won_deals"], amount=[{"op": ">", "value": 500000}])
    assert "amount over 500,000" in sentence(result, "en")
    assert "金额超过500,000" in sentence(result, "zh")


@pytest.mark.parametrize(("question", "metric", "op", "value"), [
    ("how many deals worth more than 500K are still open", "open_deals", ">", 500000),
    ("how many open deals are worth more than 500K", "open_deals", ">", 500000),
    ("今年成交金额超过50万的单子有几个", "won_deals", ">", 500000),
    ("还在谈的30万以上的单子有几个", "open_deals", ">=", 300000),
    ("上个季度签了几个100万以上的合同", "won_deals", ">=", 1000000),
    ("what are open deals over 1M worth in total", "pipeline_value", ">", 1000000),
    ("金额在30万以上的商机一共多少钱", "pipeline_value", ">=", 300000),
])
def test_a_count_or_sum_of_bounded_records_reads_as_a_bound_on_the_records(question, metric, op, value):
    args = read(question)
    assert args["metrics"] == [metric]
    assert args["amount"] == [{"op": op, "value": float(value)}]
    assert "having" not in args and "group_by" not in args


@pytest.mark.parametrize(("question", "metric"), [("reps who sold more than 800K", "won_value"),
                                                ("products that brought in more than ¥300K of orders", "order_revenue"),
                                                ("今年赢单金额超过50万的销售有几个", "won_value")])
def test_a_bound_on_groups_still_keeps_groups(question, metric):
    args = read(question)
    assert args["having"][0]["metric"] == metric and "amount" not in args


@pytest.mark.parametrize(("question", "metric"), [("Which rep has won the most deals over 300K this year?", "won_deals"),
                                                ("哪个销售今年签的50万以上的单子最多", "won_deals"),
                                                ("won value by unit for deals over 1M", "won_value")])
def test_a_bound_said_of_the_records_in_a_breakdown_bounds_the_records(question, metric):
    args = read(question)
    assert args["metrics"] == [metric] and args["amount"] and "having" not in args and args["group_by"]


@pytest.mark.parametrize(("question", "sql"), [
    ("how many deals worth more than 500K are still open",
     f"SELECT COUNT(*) {EAST} AND d.stage IN ('lead', 'qualified', 'proposal', 'negotiation') AND d.amount > 500000"),
    ("今年成交金额超过50万的单子有几个",
     f"SELECT COUNT(*) {EAST} AND d.stage = 'won' AND d.amount > 500000 AND d.closed_on >= '2026-01-01'"),
])
def test_a_manager_counting_big_deals_gets_their_regions_count(tessera, question, sql):
    before = snapshot(tessera.store)
    turn = tessera.chat("zhao.lei", "big deals", question)
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"], turn.reply
    with tessera.store.session() as s:
        want = s.execute(text(sql)).scalar()
    assert want and str(want) in turn.reply.split("\n")[0], turn.reply[:200]
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "privacy_audit_log"}  # never writes


@pytest.mark.parametrize("question", ["list deals above 500k expected to close this quarter", "12万以上的单子帮我拉一下"])
def test_a_bound_said_in_a_listing_still_lists_the_deals(tessera, question):
    turn = tessera.chat("li.wei", "list", question)
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"], turn.reply
