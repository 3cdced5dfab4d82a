"""Managers name periods, comparisons, bounds and several values in ways beyond the plain ones; the offline model
reads them into the query: halves of a year, the one before last, a bare quarter, "since March" and "so far",
a second period said as what to compare with, a bound said with a verb, and two named values side by side."""
from __future__ import annotations

import pytest

from tests.test_query_metrics_tool import read

DAYS = ("start", "end")


@pytest.mark.parametrize(("text", "start", "end"), [
    ("What's our win rate for H1?", "2026-01-01", "2026-06-30"),
    ("average sales cycle in the first half of this year", "2026-01-01", "2026-06-30"),
    ("lost deals in the second half of last year", "2025-07-01", "2025-12-31"),
    ("won value 2025 H2 by unit", "2025-07-01", "2025-12-31"),
    ("今年上半年的赢单率", "2026-01-01", "2026-06-30"),
    ("去年下半年丢了多少单", "2025-07-01", "2025-12-31"),
    ("2024年下半年新增了多少客户", "2024-07-01", "2024-12-31"),
    ("what did we book in the month before last?", "2026-09-01", "2026-09-30"),
    ("上上个月的成交额是多少", "2026-09-01", "2026-09-30"),
    ("上上季度的订单收入", "2026-04-01", "2026-06-30"),
    ("what percentage of deals did we win in Q3?", "2026-07-01", "2026-09-30"),
    ("order revenue since March", "2026-03-01", "2026-11-26"),
    ("3月以来的订单收入", "2026-03-01", "2026-11-26"),
    ("new customers since June 2024", "2024-06-01", "2026-11-26"),
    ("下半年到现在我们部门赢了多少钱", "2026-07-01", "2026-11-26"),
    ("how many deals have we won so far this quarter?", "2026-10-01", "2026-11-26"),
    ("bookings quarter to date", "2026-10-01", "2026-11-26"),
    ("截至目前本季度签了多少单", "2026-10-01", "2026-11-26"),
    ("这个季度到目前为止的营收", "2026-10-01", "2026-11-26"),
    ("年初到现在逾期付款有几笔", "2026-01-01", "2026-11-26"),
    ("cash collected since the start of Q3", "2026-07-01", "2026-11-26"),
    ("从三季度开始到现在一共回款多少", "2026-07-01", "2026-11-26"),
    ("三季度起至今的订单收入", "2026-07-01", "2026-11-26"),
    ("which region had the best win rate in the first three quarters?", "2026-01-01", "2026-09-30"),
    ("won value in the last three months", "2026-08-01", "2026-10-31"),  # the past three, not the year's last
    ("本财年前两个季度的营收", "2026-01-01", "2026-06-30"),
    ("上财年后三个月的赢单金额", "2025-10-01", "2025-12-31"),
])
def test_a_period_said_in_other_words_covers_the_days_meant(text, start, end):
    period = read(text)["period"]
    assert (period["start"], period["end"]) == (start, end), (text, period)


@pytest.mark.parametrize(("text", "compare", "start"), [
    ("Order revenue in Q2 this year versus Q1", "previous_period", "2026-04-01"),
    ("上半年的成交额和去年上半年比怎么样", "same_period_last_year", "2026-01-01"),
    ("去年的成交额和前年比怎么样", "same_period_last_year", "2025-01-01"),
    ("Number of deals created, month over month", "previous_period", "2026-11-01"),
])
def test_a_second_period_or_a_grain_over_grain_says_what_to_compare_with(text, compare, start):
    got = read(text)
    assert got.get("compare_to") == compare and got["period"]["start"] == start, (text, got)
    assert "group_by" not in got  # the year in 上半年 / 前年 is a period, not a breakdown by year


def test_two_periods_without_a_comparing_word_compare_nothing():
    assert "compare_to" not in read("deals created this year that close next quarter")


@pytest.mark.parametrize(("text", "metric", "value"), [
    ("今年至少赢了3单的销售里，谁的平均客单价最高", "won_deals", 3.0),
    ("今年各行业的赢单率，只看至少关闭了10单的", "closed_deals", 10.0),
    ("reps who won at least 4 deals this year ranked by average deal size", "won_deals", 4.0),
])
def test_a_bound_said_with_a_verb_counts_that_verbs_deals(text, metric, value):
    assert read(text)["having"] == [{"metric": metric, "op": ">=", "value": value}]


@pytest.mark.parametrize(("text", "dimension", "values"), [
    ("East vs South: won value this year", "region", {"east", "south"}),
    ("华东和华北今年的订单收入对比", "region", {"east", "north"}),
])
def test_two_named_values_of_one_dimension_are_shown_side_by_side(text, dimension, values):
    got = read(text)
    assert got["group_by"] == [dimension] and set(got["filters"][dimension]) == values


def test_a_named_case_category_filters_and_which_of_my_units_compares_them():
    assert read("How many complaints about billing this year?")["filters"] == {"case_category": ["billing"]}
    assert read("今年产品缺陷类的工单有多少")["filters"] == {"case_category": ["product_defect"]}
    got = read("Which of my units has the lowest win rate over the past 2 quarters?")
    assert got["group_by"] == ["unit"] and got["filters"] == {"unit": ["mine"]} and got["order"] == "asc"


@pytest.mark.parametrize(("text", "metric"), [
    ("Cash collected this year", "payments_collected"),
    ("今年的回款金额", "payments_collected"),
    ("今年的回款天数", "days_sales_outstanding"),  # the longer name still wins
    ("现在的未收回款有多少", "overdue_receivables"),
    ("How much closed revenue did my team bring in this quarter?", "won_value"),
    ("What percentage of deals did we win in Q3?", "win_rate"),
    ("截至目前本季度签了多少单", "won_deals"),
    ("Which customer owes us the most overdue money?", "overdue_receivables"),
])
def test_a_metric_said_in_a_managers_words(text, metric):
    assert read(text)["metrics"] == [metric]


def test_forecast_is_not_a_name_of_the_weighted_pipeline():
    assert read("revenue forecast this quarter").get("metrics") != ["weighted_pipeline"]
    assert read("本季度的预测金额").get("metrics") != ["weighted_pipeline"]


@pytest.mark.parametrize(("text", "start", "end"), [
    ("How many deals had we won by this time last year?", "2025-01-01", "2025-11-26"),
    ("截至去年这个时候，我们一共赢了多少钱", "2025-01-01", "2025-11-26"),
    ("去年这个时候的订单收入有多少", "2025-01-01", "2025-11-26"),
])
def test_this_time_last_year_alone_is_last_year_up_to_the_same_day(text, start, end):
    got = read(text)
    assert (got["period"]["start"], got["period"]["end"]) == (start, end) and "compare_to" not in got, (text, got)


@pytest.mark.parametrize(("text", "start"), [
    ("How does our won value this year compare with this time last year?", "2026-01-01"),
    ("Bookings this quarter versus this time last year", "2026-10-01"),
    ("今年的订单收入跟去年这个时候比怎么样", "2026-01-01"),
    ("本季度新增的商机数和去年同期到今天比", "2026-10-01"),
])
def test_this_time_last_year_beside_a_period_is_the_comparison(text, start):
    got = read(text)
    assert got.get("compare_to") == "same_period_last_year" and got["period"]["start"] == start, (text, got)


@pytest.mark.parametrize(("text", "metric", "end"), [
    ("How much pipeline is expected to close by year end?", "pipeline_value", "2026-12-31"),
    ("What's the weighted pipeline closing before the end of the year?", "weighted_pipeline", "2026-12-31"),
    ("到年底还有多少商机预计成交", "open_deals", "2026-12-31"),
    ("到月底预计成交的商机有多少个", "open_deals", "2026-11-30"),
    ("本季度末前预计签单的管道金额", "pipeline_value", "2026-12-31"),
])
def test_by_the_end_of_a_period_runs_from_today(text, metric, end):
    got = read(text)
    assert got["metrics"] == [metric] and (got["period"]["start"], got["period"]["end"]) == ("2026-11-26", end), \
        (text, got)


@pytest.mark.parametrize(("text", "start", "end", "quarters"), [
    ("Won value in Q2 and Q3", "2026-04-01", "2026-09-30", None),
    ("今年Q2和Q3的订单收入分别是多少", "2026-04-01", "2026-09-30", None),
    ("去年Q3和Q4的赢单金额各是多少", "2025-07-01", "2025-12-31", None),
    ("Win rate for Q1 and Q3 this year", "2026-01-01", "2026-09-30", ["2026-Q1", "2026-Q3"]),
    ("the second and third quarters of 2025, new deals", "2025-04-01", "2025-09-30", None),
])
def test_two_named_quarters_are_shown_side_by_side(text, start, end, quarters):
    got = read(text)
    assert (got["period"]["start"], got["period"]["end"]) == (start, end), (text, got)
    assert got["group_by"][0] == "quarter" and got.get("filters", {}).get("quarter") == quarters, (text, got)


@pytest.mark.parametrize("text", ["第二季度和第三季度加起来赢了多少钱", "Total order revenue for Q2 and Q3 combined"])
def test_two_quarters_said_combined_are_one_period(text):
    got = read(text)
    assert (got["period"]["start"], got["period"]["end"]) == ("2026-04-01", "2026-09-30") and "group_by" not in got


@pytest.mark.parametrize(("text", "metric"), [
    ("What was the value of the deals we lost this year?", "lost_value"),
    ("上季度丢单的金额是多少", "lost_value"),
    ("Lost value by unit last quarter", "lost_value"),
    ("上季度丢了几单", "lost_deals"),
])
def test_lost_value_is_the_money_of_the_deals_lost(text, metric):
    assert read(text)["metrics"] == [metric]


@pytest.mark.parametrize(("text", "start", "end"), [
    ("从7月到9月的赢单金额", "2026-07-01", "2026-09-30"),
    ("between July and September, how much did we win", "2026-07-01", "2026-09-30"),
    ("win rate Jan-Mar 2025", "2025-01-01", "2025-03-31"),
    ("去年3月至5月各区域的回款", "2025-03-01", "2025-05-31"),
    ("Revenue for the first two quarters of this year", "2026-01-01", "2026-06-30"),
    ("今年前三个月的订单收入", "2026-01-01", "2026-03-31"),
    ("去年后两个季度的赢单率", "2025-07-01", "2025-12-31"),
    ("How much did we win in the last three months of last year?", "2025-10-01", "2025-12-31"),
    ("过去三个月的订单收入", "2026-08-01", "2026-10-31"),  # no year said: the past three months, as before
])
def test_a_run_of_months_or_the_first_quarters_of_a_year(text, start, end):
    got = read(text)
    assert (got["period"]["start"], got["period"]["end"]) == (start, end), (text, got)
    assert "quarter" not in got.get("group_by", []), (text, got)


@pytest.mark.parametrize(("text", "metric"), [
    ("What's our loss rate this year?", "loss_rate"),
    ("今年每个部门的输单率", "loss_rate"),
    ("今年的丢单率是多少", "loss_rate"),
    ("What's our average order value this quarter?", "avg_order_value"),
    ("各区域的平均订单金额", "avg_order_value"),
    ("How long does it take us to close a deal on average?", "sales_cycle_days"),
])
def test_loss_rate_order_value_and_time_to_close_are_named(text, metric):
    assert read(text)["metrics"] == [metric]
