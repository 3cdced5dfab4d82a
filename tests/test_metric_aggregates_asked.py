"""A manager's aggregate questions are figures, not lists: "how many open opportunities are in negotiation", "what is
the open pipeline worth", "what's sitting in negotiation" go to query_metrics, while "show me the deals in negotiation"
stays a list; overdue money is not overdue tasks; customers counted when they are the subject; a count and its total
asked in one question are both answered; a case metric said beside "complaint" is over complaints."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from llm.offline import cues, outlook_query
from tests.security.erasure_support import changed_rows, snapshot
from tests.test_query_metrics_tool import read

NEGOTIATION = ("SELECT COUNT(*), SUM(d.amount) FROM deals d JOIN sales_units u ON u.id = d.unit_id "
               "WHERE d.stage = 'negotiation' AND u.region = 'east'")


def _tools(turn) -> list[str]:
    return [c["name"] for c in turn.tool_calls]


@pytest.mark.parametrize(("question", "metric", "column"), [
    ("How many open opportunities are in negotiation?", "open_deals", 0),
    ("What's sitting in negotiation right now?", "pipeline_value", 1),
    ("How much money is tied up in negotiation right now?", "pipeline_value", 1),
])
def test_an_aggregate_of_a_stage_is_a_figure_of_the_managers_region(tessera, question, metric, column):
    before = snapshot(tessera.store)
    turn = tessera.chat("zhao.lei", "stage", question)
    assert _tools(turn) == ["query_metrics"], turn.reply
    assert turn.tool_calls[0]["args"]["metrics"] == [metric]
    assert turn.tool_calls[0]["args"]["filters"]["stage"] == ["negotiation"]
    with tessera.store.session() as s:
        row = s.execute(text(NEGOTIATION)).one()
    want = f"{row[0]}" if column == 0 else f"¥{row[1] / 1e6:.1f}M"
    assert want in turn.reply.split("\n")[0], turn.reply[:200]
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "privacy_audit_log"}  # never writes


@pytest.mark.parametrize("question", ["show me the deals in negotiation", "list the open deals in negotiation"])
def test_a_list_asked_for_stays_a_list(tessera, question):
    turn = tessera.chat("zhao.lei", "list", question)
    assert _tools(turn) == ["find_deals"], turn.reply


def test_the_open_pipeline_worth_in_my_region_is_a_figure(tessera):
    turn = tessera.chat("liang.yu", "worth", "What's the open pipeline worth in my region?")
    assert _tools(turn) == ["query_metrics"], turn.reply
    assert turn.tool_calls[0]["args"]["metrics"] == ["pipeline_value"]


@pytest.mark.parametrize("question", ["How much is past due in receivables?",
                                      "Where do we stand on receivables that are past due?"])
def test_overdue_receivables_are_money_not_overdue_tasks(tessera, question):
    turn = tessera.chat("zhao.lei", "receivables", question)
    assert _tools(turn) == ["query_metrics"], turn.reply
    assert turn.tool_calls[0]["args"]["metrics"] == ["overdue_receivables"]


def test_overdue_follow_ups_on_payments_are_still_tasks():
    assert cues.cue("overdue_followups", "any overdue follow-ups on late payments?")
    assert not cues.cue("overdue_followups", "receivables past due")
    assert cues.cue("overdue_followups", "what's overdue for me today?")


@pytest.mark.parametrize("question", ["How many customers are paying us late?", "有多少客户的回款逾期了？"])
def test_customers_with_late_payments_are_counted(question):
    args = read(question)
    assert args["metrics"] == ["late_payments"] and args["group_by"] == ["account"] and args["count_groups"] is True


def test_customers_said_before_a_metric_are_not_counted():
    assert "count_groups" not in read("多少客户投诉了")  # complaints of customers, counted as complaints


@pytest.mark.parametrize(("question", "metrics"), [
    ("How many deals did we win last month, and what was the total?", ["won_deals", "won_value"]),
    ("上个月赢了几单，总金额是多少？", ["won_deals", "won_value"]),
    ("What was the total value of deals won last quarter, and how many were there?", ["won_value", "won_deals"]),
])
def test_a_count_and_its_total_asked_together_are_both_read(question, metrics):
    assert read(question)["metrics"] == metrics


def test_a_count_alone_stays_one_figure():
    assert read("how many deals did we win last month")["metrics"] == ["won_deals"]


@pytest.mark.parametrize("question", ["What's the average time to resolve a complaint this year?", "今年投诉平均多久能解决？"])
def test_a_case_metric_beside_complaints_is_over_complaints(question):
    args = read(question)
    assert args["metrics"] == ["case_close_days"] and args["filters"] == {"case_kind": ["complaint"]}


def test_a_case_metric_alone_is_over_every_case():
    assert "filters" not in read("average time to resolve a case this year")


def test_typical_order_size_is_the_average_order_value():
    assert read("Typical order size over the last three months?")["metrics"] == ["avg_order_value"]
    assert read("what's the typical deal size this year")["metrics"] == ["median_deal_size"]


def test_the_weighted_forecast_is_the_weighted_pipeline_not_the_revenue_forecast():
    assert not outlook_query.cue(outlook_query.FORECAST, "What's the weighted forecast of my open pipeline?")
    assert outlook_query.cue(outlook_query.FORECAST, "what's our revenue forecast this quarter?")


def test_a_unit_named_by_its_code_is_that_unit(tessera):
    turn = tessera.chat("zhao.lei", "code", "east-smb's open pipeline")
    assert _tools(turn) == ["query_metrics"], turn.reply
    assert turn.tool_calls[0]["args"]["filters"] == {"unit": ["east-smb"]}


@pytest.mark.parametrize(("question", "metric"), [
    ("How many tickets did we open last month?", "cases_opened"),
    ("How many cases did we open in October?", "cases_opened"),
    ("how many cases are open", "open_cases"),
    ("do we have open cases", "open_cases"),
])
def test_open_said_as_a_verb_counts_the_cases_opened(question, metric):
    assert read(question)["metrics"] == [metric]


@pytest.mark.parametrize(("question", "metric"), [
    ("What did we win last month?", "won_value"),
    ("What did East SMB book in orders during the first half?", "order_revenue"),
    ("how many deals did we win last month", "won_deals"),
])
def test_what_was_won_or_booked_is_money(question, metric):
    assert read(question)["metrics"] == [metric]


@pytest.mark.parametrize(("question", "args"), [
    ("我们区域现在有多少个商机卡在提案阶段？", {"metrics": ["open_deals"], "stage": ["proposal"]}),
    ("上季度一共下了多少订单，金额多少？", {"metrics": ["orders", "order_revenue"]}),
    ("今年平均每个订单多少钱？", {"metrics": ["avg_order_value"]}),
    ("How many complaints did we close last month?", {"metrics": ["cases_closed"], "case_kind": ["complaint"]}),
])
def test_chinese_and_verb_shapes_of_the_same_figures(question, args):
    read_args = read(question)
    assert read_args["metrics"] == args["metrics"]
    for dim in ("stage", "case_kind"):
        if dim in args:
            assert read_args["filters"][dim] == args[dim]


def test_an_average_per_rep_still_groups_by_rep():
    assert read("average won value per rep")["group_by"] == ["rep"]
