"""Managers ask for figures in their everyday words: a word for the same thing ("tickets" are cases, "contracts"
deals), money asked of a count ("what are our open deals worth"), slow and fast for a metric in days, what no data
measures ("churn", "客户满意度": said plainly, never another metric), seasons and quarters by their ordinal, "each of
my reps", and colleagues with Chinese names written in pinyin."""
from __future__ import annotations

import datetime as dt

import pytest

from llm.offline.lexicon import EntityName, Lexicon
from llm.offline.metric_query import fill, fit_bonus
from llm.offline.reading import Reading
from tessera.lexicon import spoken_names
from tests.test_query_metrics_tool import read

TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize(("text", "metric"), [
    ("open tickets by category", "open_cases"),
    ("how many tickets were opened last month", "cases_opened"),
    ("open support cases in my region", "open_cases"),
    ("average contract value this year", "avg_deal_size"),
    ("interactions per rep this month", "activities_per_rep"),
    ("how many new opportunities this quarter", "new_deals"),
    ("how many opps did we create last month", "new_deals"),
    ("what fraction of our closed deals this year did we win", "win_rate"),
    ("what proportion of deals did we lose last quarter", "loss_rate"),
    ("average ticket size on closed-won deals", "avg_deal_size"),
    ("今年成单量最高的销售是谁", "won_deals"),
    ("which customer paid us the most this year", "payments_collected"),
    ("上个月客户一共付了我们多少钱", "payments_collected"),
    ("今年单子平均要跑多少天才能拿下", "sales_cycle_days"),
])
def test_a_word_for_the_same_thing_names_the_same_metric(text, metric):
    assert read(text)["metrics"] == [metric]


@pytest.mark.parametrize(("text", "metric"), [
    ("what are our open deals worth?", "pipeline_value"),
    ("the total value of deals that slipped", "slipped_value"),
    ("上个月一共成交了多少钱", "won_value"),
    ("how many open deals do we have?", "open_deals"),  # a count stays a count
    ("上个月成交了几单", "won_deals"),
])
def test_money_asked_of_a_count_is_the_amount_of_those_records(text, metric):
    assert read(text)["metrics"] == [metric]


@pytest.mark.parametrize(("text", "order"), [
    ("which rep is slowest to close this year?", "desc"),
    ("which unit is fastest to close deals?", "asc"),
    ("今年哪个部门的成交周期最短", "asc"),
])
def test_slow_and_fast_rank_a_metric_in_days(text, order):
    got = read(text)
    assert got["metrics"] == ["sales_cycle_days"] and got["order"] == order


@pytest.mark.parametrize("text", ["What's our churn rate by region?", "customer acquisition cost this year",
                                  "今年的客户满意度怎么样", "获客成本是多少"])
def test_what_no_data_measures_is_asked_of_the_metrics_by_its_own_words(text):
    filling = fill(None, Reading(text, Lexicon(), TODAY))
    asked = filling.args["metrics"]
    assert asked[0] in text.lower() and asked != ["new_accounts"]  # the tool then says it has no such metric
    assert fit_bonus(filling, text) > 0


@pytest.mark.parametrize(("text", "start", "end"), [
    ("order revenue over the summer", "2026-06-01", "2026-08-31"),
    ("complaints last winter", "2025-12-01", "2026-02-28"),
    ("去年夏天的赢单金额", "2025-06-01", "2025-08-31"),
    ("夏天那三个月各区域的订单收入", "2026-06-01", "2026-08-31"),
    ("win rate in the second quarter of last year", "2025-04-01", "2025-06-30"),
    ("new deals in the first quarter", "2026-01-01", "2026-03-31"),
    ("did order revenue fall last quarter?", "2026-07-01", "2026-09-30"),  # "fall" is a verb here
])
def test_seasons_and_quarters_by_their_ordinal_are_periods(text, start, end):
    period = read(text)["period"]
    assert (period["start"], period["end"]) == (start, end)


def test_each_of_my_reps_groups_the_reps_within_my_units():
    got = read("what did each of my reps book this quarter?")
    assert got["group_by"] == ["rep"] and got["filters"] == {"unit": ["mine"]}


def test_a_colleague_with_a_chinese_name_is_named_in_pinyin_whole_only():
    assert spoken_names("wang.fang", "王芳") == ("wang fang", "fang wang")
    assert spoken_names("emma.chen", "Emma Chen") == ()
    users = Lexicon({"user": [EntityName("王芳", ("wang.fang",), spoken_names("wang.fang", "王芳")),
                              EntityName("Olivia Wang", ("olivia.wang",))]})
    by_pinyin = fill(None, Reading("How many deals did Wang Fang win this year?", users, TODAY)).args
    assert by_pinyin["filters"] == {"rep": ["王芳"]}
    by_surname = fill(None, Reading("Wang's win rate this year", users, TODAY)).args
    assert by_surname["filters"] == {"rep": ["Olivia Wang"]}  # "wang" alone is still Olivia Wang's, as before


@pytest.mark.parametrize(("text", "bound"), [
    ("units with a win rate under 40%", {"metric": "win_rate", "op": "<", "value": 0.4}),
    ("reps whose margin is above 30 percent this year", {"metric": "avg_margin", "op": ">", "value": 0.3}),
    ("赢单率在50%以上的部门", {"metric": "win_rate", "op": ">=", "value": 0.5}),
    ("which accounts ordered more than 3 times this year", {"metric": "orders", "op": ">", "value": 3.0}),
])
def test_a_bound_on_a_rate_in_percent_or_said_with_a_verb_keeps_the_groups_meeting_it(text, bound):
    got = read(text)
    assert got["having"] == [bound] and got["group_by"]


def test_a_bound_alone_shows_its_own_metric():
    got = read("reps who closed more than 10 deals this year")
    assert got["metrics"] == ["closed_deals"] and got["group_by"] == ["rep"]


@pytest.mark.parametrize("text", ["bookings 2025 vs 2024", "FY2025 vs FY2024 order revenue"])
def test_two_years_said_alone_compare_the_first_with_the_one_before(text):
    got = read(text)
    assert got["period"]["start"] == "2025-01-01" and got["compare_to"] == "same_period_last_year"


def test_a_year_inside_a_date_or_an_amount_is_not_a_year_alone():
    assert read("new customers since June 2024")["period"]["start"] == "2024-06-01"
    assert "period" not in read("how many deals over 2500 did we win")


@pytest.mark.parametrize(("text", "order"), [
    ("lost deals per rep, worst first", "desc"),  # more losses is worse
    ("which unit has the best DSO this year", "asc"),  # fewer days is better
    ("which rep has the best win rate", "desc"),
    ("bottom 3 reps by late payments", "asc"),  # said literally
])
def test_best_and_worst_follow_which_way_a_metric_is_better(text, order):
    assert read(text)["order"] == order


@pytest.mark.parametrize(("text", "metric"), [
    ("how much did we sell last quarter", "won_value"),
    ("who closed the most business in October", "won_value"),
    ("what's our win percentage YTD", "win_rate"),
    ("which accounts haven't paid on time", "late_payments"),
    ("how long do customers take to pay us this year", "days_sales_outstanding"),
    ("上个季度卖了多少", "won_value"),
    ("哪个行业的客户回款最慢", "days_sales_outstanding"),
    ("今年成交的单子平均打几折", "discount_depth"),
])
def test_a_metric_said_the_way_managers_talk(text, metric):
    assert read(text)["metrics"] == [metric]


def test_a_quarter_written_against_chinese_and_the_year_said_for_the_year():
    assert read("Q3各部门的平均成交周期")["period"]["start"] == "2026-07-01"
    assert read("what's our close rate for the year")["period"]["start"] == "2026-01-01"


@pytest.mark.parametrize(("text", "metric"), [
    ("how many deals did I win last month?", "won_deals"),
    ("how much have I won this year", "won_value"),
    ("我这个月签了多少", "won_value"),
])
def test_the_verb_after_i_still_names_the_metric(text, metric):
    got = read(text)
    assert got["metrics"] == [metric] and got["filters"] == {"rep": ["mine"]}


@pytest.mark.parametrize(("text", "start"), [("what's my win rate vs last quarter", "2026-10-01"),
                                             ("赢单金额和上个月比怎么样", "2026-11-01")])
def test_against_the_last_one_without_a_period_compares_this_one(text, start):
    got = read(text)
    assert got["compare_to"] == "previous_period" and got["period"]["start"] == start


def test_which_region_said_short_groups_the_regions():
    got = read("哪个区的逾期应收最多")
    assert got["metrics"] == ["overdue_receivables"] and got["group_by"] == ["region"] and got["order"] == "desc"


@pytest.mark.parametrize("text", ["按客户行业看，今年哪个行业的订单收入最多", "今年投诉最多的是哪个客户行业",
                                  "average order value by customer industry this year"])
def test_the_customers_industry_groups_by_industry_not_by_each_customer(text):
    assert read(text)["group_by"] == ["industry"], text
