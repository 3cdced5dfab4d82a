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
