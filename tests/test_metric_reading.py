"""How a manager's sentence says how many, whose and when: a number before the groups ("which three accounts"),
"my region" / "我们区" / "my top 3 reps" / "my win rate", a unit by its name or code, and periods said as a
comparison's other side ("the same quarter last year") or as half a year ("过去半年")."""
from __future__ import annotations

import datetime as dt

import pytest

from llm.offline.lexicon import EntityName, Lexicon
from llm.offline.metric_query import fill
from llm.offline.reading import Reading
from tessera.lexicon import unit_aliases

UNITS = Lexicon({"unit": [EntityName("east-enterprise", unit_aliases("east-enterprise", "East Enterprise / 华东大客户部")),
                          EntityName("north-industry", unit_aliases("north-industry", "North Industry / 华北工业部"))]})


def read(text: str) -> dict:
    return fill(None, Reading(text, UNITS, dt.date(2026, 11, 26))).args


@pytest.mark.parametrize(("text", "order", "limit"), [
    ("哪三个客户的逾期付款最多？", "desc", 3),
    ("Which two units lost the most deals last quarter?", "desc", 2),
    ("Give me the three reps with the best win rate this year", "desc", 3),
    ("上个月成交金额最高的两个销售是谁", "desc", 2),
    ("今年赢单金额最低的三个销售", "asc", 3),
])
def test_a_number_said_before_the_groups_limits_the_ranking(text, order, limit):
    got = read(text)
    assert (got["order"], got["limit"]) == (order, limit) and got["group_by"]


@pytest.mark.parametrize("text", ["How many new deals were created in the past 3 months?", "最近三个月新建了多少商机",
                                  "每一个销售的赢单数"])
def test_a_number_inside_a_period_or_after_each_is_no_limit(text):
    assert "limit" not in read(text)


@pytest.mark.parametrize(("text", "filters"), [
    ("My region's pipeline", {"region": ["mine"]}),
    ("我们区本季度赢了多少钱", {"region": ["mine"]}),
    ("我的团队上季度丢了几单", {"unit": ["mine"]}),
    ("Who are my top 3 reps by deals won this quarter?", {"unit": ["mine"]}),
    ("What's my win rate this quarter?", {"rep": ["mine"]}),
    ("我这个季度赢了多少钱", {"rep": ["mine"]}),
    ("What's our win rate this quarter?", None),
])
def test_whose_figures_are_read_from_the_possessive(text, filters):
    assert read(text).get("filters") == filters


def test_my_top_reps_still_groups_by_rep():
    assert read("Who are my top 3 reps by deals won this quarter?")["group_by"] == ["rep"]


@pytest.mark.parametrize(("text", "unit"), [("How is East Enterprise doing on win rate this year?", "east-enterprise"),
                                            ("east-enterprise's open pipeline", "east-enterprise"),
                                            ("华东大客户部今年的赢单率", "east-enterprise"),
                                            ("华东大客户的在途商机金额", "east-enterprise")])
def test_a_unit_is_named_by_its_name_code_or_chinese_name(text, unit):
    assert read(text)["filters"] == {"unit": [unit]}


def test_a_short_region_name_filters_by_region():
    assert read("南区上个月平均每单的折扣是多少？")["filters"] == {"region": ["south"]}


@pytest.mark.parametrize("text", ["What was our win rate in the same quarter last year?", "去年同一季度的赢单率是多少"])
def test_the_same_quarter_last_year_alone_is_a_period(text):
    got = read(text)
    assert (got["period"]["start"], got["period"]["end"]) == ("2025-10-01", "2025-12-31") and "compare_to" not in got


def test_the_same_period_last_year_beside_a_period_is_still_a_comparison():
    got = read("Won value this quarter compared with the same period last year")
    assert got["compare_to"] == "same_period_last_year" and got["period"]["start"] == "2026-10-01"


def test_half_a_year_back_is_the_six_whole_months_before_this_one():
    got = read("过去半年每个月的赢单数")
    assert (got["period"]["start"], got["period"]["end"]) == ("2026-05-01", "2026-10-31") and got["group_by"] == ["month"]


def test_which_one_among_the_groups_meeting_a_bound_groups_them():
    got = read("今年赢单不少于5单的行业里，哪个平均客单价最高")
    assert got["group_by"] == ["industry"] and got["having"][0]["metric"] == "won_deals"


@pytest.mark.parametrize(("text", "metric"), [
    ("Of the deals created this year, how many have we already won?", "new_deals_won"),
    ("今年新建的商机里已经赢了多少单", "new_deals_won"),
    ("Of the opportunities opened last quarter, what percentage did we win?", "conversion_rate"),
])
def test_deals_created_in_a_period_and_then_won_are_a_cohort(text, metric):
    assert read(text)["metrics"] == [metric]


def test_a_units_one_common_word_names_it_only_with_a_units_noun_after_it():
    aliases = unit_aliases("south-retail", "South Retail / 华南零售部", ("South", "华南"))
    assert {"Retail unit", "Retail team", "零售部"} <= set(aliases) and "Retail" not in aliases
    units = Lexicon({"unit": [EntityName("south-retail", aliases)]})
    said = fill(None, Reading("What share of our revenue comes from the retail unit?", units, dt.date(2026, 11, 26))).args
    assert said["filters"] == {"unit": ["south-retail"]} and said["share_of"] == "unit"
    retail = fill(None, Reading("What share of our revenue comes from retail customers?", units, dt.date(2026, 11, 26))).args
    assert retail["filters"] == {"industry": ["retail"]}  # the industry, not the unit
