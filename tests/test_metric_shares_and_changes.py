"""Managers' questions about shares, changes and money bounds (issue 12): a rate's change is said in percentage
points, a period still running is compared like for like and with last year's whole period, a filtered part is
shown as its share of the whole, a group's sum can be bounded in money, and the answer grader matches whole numbers."""
from __future__ import annotations

import datetime as dt

import pytest

from crm.metrics import MetricQuery
from crm.metrics.answer import sentence, table
from evals.answers import grade, said
from llm.offline.lexicon import Lexicon
from llm.offline.metric_query import fill
from llm.offline.reading import Reading
from tests.metrics_support import ask, scalar

WIN_RATE = ("SELECT SUM(CASE WHEN d.stage = 'won' THEN 1.0 ELSE 0 END) / COUNT(*) FROM deals d JOIN sales_units u "
            "ON u.id = d.unit_id WHERE d.stage IN ('won', 'lost') AND u.region = :r AND d.closed_on BETWEEN :a AND :b")
WON = ("SELECT SUM(d.amount) FROM deals d JOIN sales_units u ON u.id = d.unit_id WHERE d.stage = 'won' "
       "AND u.region = :r AND d.closed_on BETWEEN :a AND :b")


def read(words: str) -> dict:
    return fill(None, Reading(words, Lexicon({}), dt.date(2026, 11, 26))).args


def test_a_change_of_win_rate_is_in_percentage_points_not_a_relative_percent(metrics_store):
    result = ask(metrics_store, "liang.yu", metrics=["win_rate"], period={"relative": "this", "grain": "quarter"},
                 compare_to="previous_period")
    now = scalar(metrics_store, WIN_RATE, r="south", a="2026-10-01", b="2026-12-31")
    before = scalar(metrics_store, WIN_RATE, r="south", a="2026-07-01", b="2026-09-30")
    assert result.rows[0]["win_rate_change"] == pytest.approx(now - before, abs=1e-6)
    points = f"{abs(now - before) * 100:.1f}"
    assert f"{points} percentage points" in sentence(result, "en")
    assert f"{points}个百分点" in sentence(result, "zh")
    assert table(result, "en")[0]["change"].endswith(" pts")


def test_the_same_period_last_year_of_a_running_quarter_gives_both_the_same_days_and_the_whole_quarter(metrics_store):
    """Q4 so far (to 26 Nov) against 1 Oct-26 Nov 2025, and all of Q4 2025 beside it: a reader gets both."""
    result = ask(metrics_store, "zhao.lei", metrics=["won_value"], period={"relative": "this", "grain": "quarter"},
                 compare_to="same_period_last_year")
    like = scalar(metrics_store, WON, r="east", a="2025-10-01", b="2025-11-26")
    whole = scalar(metrics_store, WON, r="east", a="2025-10-01", b="2025-12-31")
    assert result.rows[0]["won_value_previous"] == pytest.approx(float(like))
    assert result.rows[0]["won_value_previous_whole"] == pytest.approx(float(whole))
    from crm.metrics.answer import fmt
    en = sentence(result, "en")
    assert "so far" in en and "2025-11-26" in en and fmt(like, "money") in en
    assert f"all of 2025-Q4: {fmt(whole, 'money')}" in en
    assert f"2025-Q4全期为{fmt(whole, 'money', 'zh')}" in sentence(result, "zh")
    over = ask(metrics_store, "zhao.lei", metrics=["won_value"], period={"relative": "last", "grain": "quarter"},
               compare_to="same_period_last_year")  # a quarter already over: its whole counterpart, said once
    assert over.compared_whole is None and "all of" not in sentence(over, "en")


def test_a_filtered_part_is_shown_as_its_share_of_the_whole(metrics_store):
    result = ask(metrics_store, "liang.yu", metrics=["pipeline_value"], filters={"stage": ["negotiation"]}, share_of="stage")
    part = scalar(metrics_store, "SELECT SUM(d.amount) FROM deals d JOIN sales_units u ON u.id = d.unit_id WHERE "
                          "d.stage = 'negotiation' AND u.region = 'south'")
    whole = scalar(metrics_store, "SELECT SUM(d.amount) FROM deals d JOIN sales_units u ON u.id = d.unit_id WHERE "
                           "d.stage IN ('lead', 'qualified', 'proposal', 'negotiation') AND u.region = 'south'")
    assert result.rows[0]["share"] == pytest.approx(part / whole, abs=1e-6)
    assert sentence(result, "en").startswith(f"Negotiation made up {part / whole * 100:.1f}% of pipeline value")
    with pytest.raises(ValueError):
        MetricQuery.of({"metrics": ["won_value"], "share_of": "stage"})  # a share of what no filter keeps


@pytest.mark.parametrize(("words", "args"), [
    ("What share of our pipeline is in negotiation?", {"share_of": "stage", "filters": {"stage": ["negotiation"]}}),
    ("今年零售行业的成交额占比是多少", {"share_of": "industry", "metrics": ["won_value"]}),
    ("Which reps have sold more than ¥800K so far this year?",
     {"group_by": ["rep"], "having": [{"metric": "won_value", "op": ">", "value": 800000.0}]}),
    ("上季度营业额超过30万的产品有哪些",
     {"group_by": ["product"], "having": [{"metric": "order_revenue", "op": ">", "value": 300000.0}]}),
    ("Which products brought in more than ¥300K of orders last quarter?", {"metrics": ["order_revenue"]}),
    ("By how many points did our win rate move from Q2 to Q3?",
     {"compare_to": "previous_period", "metrics": ["win_rate"]}),
    ("上半年成交额垫底的是哪位销售", {"order": "asc", "group_by": ["rep"]}),
    ("How many low-priority cases have we opened this year?", {"filters": {"priority": ["low"]}}),
    ("Deal count won in FY2025, split by region", {"metrics": ["won_deals"], "group_by": ["region"]}),
    ("第三季度收到了多少客户投诉", {"metrics": ["complaints"]}),
])
def test_shares_bounds_changes_and_counts_are_read_in_general(words, args):
    got = read(words)
    assert {k: got.get(k) for k in args} == args, got


def test_a_total_asked_with_a_bare_dimension_word_is_not_a_breakdown():
    assert "group_by" not in read("第三季度收到了多少客户投诉")
    assert read("每个产品今年卖了多少钱，前五名")["group_by"] == ["product"]  # "each" still breaks down


def test_deals_over_an_amount_stay_a_list_of_deals():
    assert "having" not in read("show me deals over ¥100K")


@pytest.mark.parametrize(("want", "reply", "right"), [
    ("25", "Won deals in 2025: 24.", False), ("25", "Won deals in 2025: 25.", True),
    ("6", "Activities: 4, 66.7% of all activities.", False), ("¥1.2M", "Won value: ¥1.2M.", True),
    ("1,234", "Orders: 1234.", True), ("5", "5% of the total", False), ("12", "2026-W12: 3", False),
    ("3.4 percentage points", "down 3.4 points on the period before", True),
    ("3.4 percentage points", "down 3.4% on the period before", False),
])
def test_the_grader_matches_numbers_as_whole_tokens(want, reply, right):
    assert said(want, reply) is right


def test_a_change_in_points_is_graded_on_the_points():
    q = {"expect": "value", "language": "en", "question": "how did win rate change", "unit": "points"}
    assert grade(q, [(-0.115,)], "Win rate in 2026-Q4: 33.3% (down 11.5 percentage points on the period before).")[0]
    assert not grade(q, [(-0.115,)], "Win rate in 2026-Q4: 33.3% (down 25.6% on the period before, 44.8%).")[0]
