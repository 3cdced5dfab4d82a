"""How a manager's sentence is read when its shape, not its words, says which metric: a record set named only to
say which rows another measure is over ("lowest-margin product among won deals", "赢单毛利"), "opened" as what was
done (created) rather than the state (open), a negated state ("逾期未关闭的商机"), a word that turns a metric
("weighted", "加权", "overdue"), days asked of records (the sales cycle), "per order" as the average itself, and a
share whose part is said by its verb ("of the deals we closed, what share did we win")."""
from __future__ import annotations

import pytest

from tests.test_metric_reading import read


@pytest.mark.parametrize(("text", "metric"), [
    ("Lowest-margin product among won deals this year", "avg_margin"),
    ("去年各部门赢单毛利排名", "gross_profit"),
    ("Average margin of won deals by unit", "avg_margin"),
])
def test_a_record_set_before_or_under_a_measure_says_which_rows(text, metric):
    assert read(text)["metrics"] == [metric]


def test_records_and_a_measure_joined_are_both_asked():
    assert read("今年赢单数和毛利分别是多少")["metrics"] == ["won_deals", "gross_profit"]


@pytest.mark.parametrize(("text", "metric"), [
    ("How many new opportunities were opened last month?", "new_deals"),
    ("How many cases are still open?", "open_cases"),
])
def test_opened_is_what_was_done_and_open_is_a_state(text, metric):
    assert read(text)["metrics"] == [metric]


@pytest.mark.parametrize(("text", "metric"), [
    ("逾期未关闭的商机有多少", "slipped_deals"),
    ("未关闭的商机有多少", "open_deals"),
    ("还没关闭的商机金额", "pipeline_value"),
    ("逾期未关闭商机的金额", "slipped_value"),
    ("本季度关闭的商机", "closed_deals"),
])
def test_a_negated_state_is_the_other_state(text, metric):
    assert read(text)["metrics"] == [metric]


@pytest.mark.parametrize(("text", "metric", "group_by"), [
    ("我们在途商机按阶段加权后是多少", "weighted_pipeline", None),
    ("What's the weighted forecast of my open pipeline?", "weighted_pipeline", None),
    ("weighted pipeline by stage", "weighted_pipeline", ["stage"]),
])
def test_weighted_turns_the_pipeline_and_weighted_by_stage_is_no_breakdown(text, metric, group_by):
    got = read(text)
    assert got["metrics"] == [metric] and got.get("group_by") == group_by


@pytest.mark.parametrize("text", ["Average days to close a won deal in 2025", "2025年赢单平均要多少天才能成交",
                                  "赢单平均周期"])
def test_days_asked_of_won_deals_is_their_sales_cycle(text):
    assert read(text)["metrics"] == ["sales_cycle_days"]


def test_a_count_without_days_stays_a_count():
    assert read("how many won deals in the last 30 days")["metrics"] == ["won_deals"]


def test_per_order_is_the_average_itself_not_a_breakdown():
    got = read("近三个月平均每笔订单多少钱")
    assert got["metrics"] == ["avg_order_value"] and "group_by" not in got


@pytest.mark.parametrize(("text", "metric"), [
    ("今年已关闭的商机里赢下的占比多少", "win_rate"),
    ("Of the deals we closed this year, what share did we win?", "win_rate"),
    ("Of the deals we closed this year, what share did we lose?", "loss_rate"),
])
def test_a_share_whose_part_is_a_verb_is_the_rate_of_that_part(text, metric):
    assert read(text)["metrics"] == [metric]


def test_a_measure_on_our_records_is_the_measure():
    assert read("What's the margin on our won business this year?")["metrics"] == ["avg_margin"]


@pytest.mark.parametrize("text", ["How did won value in the second half of last year compare with the first half?",
                                  "去年下半年的赢单金额和上半年比怎么样"])
def test_a_half_said_without_its_year_is_of_the_year_said_beside_it(text):
    got = read(text)
    assert (got["period"]["start"], got["compare_to"]) == ("2025-07-01", "previous_period")


def test_a_relative_second_period_keeps_its_own_year():
    got = read("上半年和去年上半年的赢单金额比")
    assert (got["period"]["start"], got["compare_to"]) == ("2026-01-01", "same_period_last_year")


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2025年3月的订单收入", "2025-03-01", "2025-03-31"),
    ("去年12月份各部门赢单金额", "2025-12-01", "2025-12-31"),
    ("今年的三月订单收入", "2026-03-01", "2026-03-31"),
    ("order revenue in March of last year", "2025-03-01", "2025-03-31"),
    ("2025年3月以来的订单收入", "2025-03-01", "2026-11-26"),
    ("2025年3月到5月的订单收入", "2025-03-01", "2025-05-31"),
    ("2025年的订单收入", "2025-01-01", "2025-12-31"),
])
def test_a_month_of_a_named_year_is_that_month(text, start, end):
    period = read(text)["period"]
    assert (period["start"], period["end"]) == (start, end)


@pytest.mark.parametrize(("text", "limit"), [("今年赢单金额排名后三的销售", 3), ("赢单金额排在后5的部门", 5),
                                             ("今年赢单金额后3名", 3)])
def test_the_last_n_of_a_ranking_is_the_bottom(text, limit):
    got = read(text)
    assert (got["order"], got["limit"]) == ("asc", limit)


def test_the_last_three_months_of_a_year_are_no_ranking():
    got = read("去年后三个月的赢单金额")
    assert "order" not in got and got["period"]["start"] == "2025-10-01"


@pytest.mark.parametrize("text", [
    "平均每个商机从线索到成交要多少天？按销售团队看",
    "average days from lead to won, by unit",
    "how long does it take from first contact to signing, per sales team?",
])
def test_how_long_from_a_start_to_the_close_is_the_sales_cycle_and_its_start_no_filter(text):
    query = read(text)
    assert query["metrics"] == ["sales_cycle_days"] and "stage" not in query.get("filters", {})
    assert query.get("group_by") == ["unit"]  # a sales team is a unit, not a rep


def test_a_stage_said_without_a_way_to_the_close_is_still_a_filter():
    assert read("how many deals are in negotiation?").get("filters", {}).get("stage") == ["negotiation"]
