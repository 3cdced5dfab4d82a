"""How many groups meet a bound, and the groups that did nothing: "how many reps hit 3 wins", "which of my reps hasn't
logged anything this week?", "本月活动少于5条的销售有哪些". Read from the sentence, answered by the engine (reps with no
row shown with 0), and said in one sentence; each figure checked against an independent SQL."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from crm.metrics import MetricQuery
from crm.metrics.answer import sentence
from tests.metrics_support import ask, scalar
from tests.test_query_metrics_tool import read

ZERO = {"metric": "activities", "op": "=", "value": 0.0}


@pytest.mark.parametrize(("text", "having"), [
    ("How many reps hit 3 wins this year?", {"metric": "won_deals", "op": ">=", "value": 3.0}),
    ("How many of my reps closed at least 5 deals last quarter?", {"metric": "closed_deals", "op": ">=", "value": 5.0}),
    ("今年有几个销售赢单达到10单以上", {"metric": "won_deals", "op": ">=", "value": 10.0}),
    ("这个季度有多少个销售跟进客户超过10次", {"metric": "activities", "op": ">", "value": 10.0}),
    ("How many units have a win rate above 40% this year?", {"metric": "win_rate", "op": ">", "value": 0.4}),
])
def test_how_many_groups_meet_a_bound_is_a_count_of_groups(text, having):
    got = read(text)
    assert got["having"] == [having] and got.get("count_groups") is True, (text, got)


@pytest.mark.parametrize(("text", "having"), [
    ("Which of my reps hasn't logged anything this week?", ZERO),
    ("Who on my team has logged no activities this month?", ZERO),
    ("这周哪些销售一条活动都没记", ZERO),
    ("这个月没有任何跟进记录的销售", ZERO),
    ("哪些销售这个季度一单都没赢", {"metric": "won_deals", "op": "=", "value": 0.0}),
    ("Which reps haven't closed any deals this quarter?", {"metric": "closed_deals", "op": "=", "value": 0.0}),
    ("本月活动少于5条的销售有哪些", {"metric": "activities", "op": "<", "value": 5.0}),
    ("Which reps had fewer than 3 meetings last month?", {"metric": "meetings", "op": "<", "value": 3.0}),
])
def test_nothing_or_too_little_done_is_a_bound_on_each_rep(text, having):
    got = read(text)
    assert got["having"] == [having] and got["group_by"] == ["rep"] and "count_groups" not in got, (text, got)
    assert "period" in got  # the period after the words ("hasn't logged anything this week") is still read


@pytest.mark.parametrize("text", ["We have no data on that", "Acme hasn't placed any orders yet"])
def test_a_negation_with_no_groups_bounds_nothing(text):
    assert "having" not in read(text)


@pytest.mark.parametrize(("text", "metric"), [
    ("What's the total marketing and discount budget across my units?", "budget_limit"),
    ("What's my team's total budget?", "budget_limit"),
    ("Are we collecting faster than last year? DSO this year vs last year", "days_sales_outstanding"),
])
def test_a_total_of_a_budget_rate_is_the_budget_and_collecting_faster_is_dso(text, metric):
    assert read(text)["metrics"] == [metric]


REPS_WITHOUT = ("SELECT us.login FROM users us JOIN sales_units u ON u.id = us.unit_id WHERE us.role = 'rep' "
                "AND u.region = 'north' AND us.id NOT IN (SELECT a.user_id FROM activities a JOIN accounts ac ON "
                "ac.id = a.account_id WHERE a.occurred_at >= '2026-11-23' AND a.occurred_at < '2026-11-30' AND "
                "(a.contact_id IS NULL OR a.contact_id IN (SELECT contact_id FROM privacy_consents WHERE purpose = "
                "'analytics.reporting' AND category = 'user.behavior' AND granted = 1)))")


def test_reps_with_no_activity_are_shown_with_zero(metrics_store):  # noqa: F811
    result = ask(metrics_store, "olivia.wang", metrics=["activities"], group_by=["rep"], having=[ZERO],
                 period={"relative": "this", "grain": "week"})
    with metrics_store.session() as s:
        expected = sorted(r[0] for r in s.execute(text(REPS_WITHOUT)))
    assert expected and sorted(r["rep"] for r in result.rows) == expected
    assert all(r["activities"] == 0 for r in result.rows)
    said = sentence(result, "en")
    assert said.startswith(f"{len(expected)} reps with no activities") and all(r["rep_label"] in said for r in result.rows)
    # without a bound that nothing meets, the reps with no row stay out: the top of a ranking is unchanged
    ranked = ask(metrics_store, "olivia.wang", metrics=["activities"], group_by=["rep"], order="asc",
                 period={"relative": "this", "grain": "week"})
    assert all(r["activities"] > 0 for r in ranked.rows)


def test_how_many_reps_won_at_least_three_deals_is_counted(metrics_store):  # noqa: F811
    result = ask(metrics_store, "zhao.lei", metrics=["won_deals"], group_by=["rep"], count_groups=True,
                 having=[{"metric": "won_deals", "op": ">=", "value": 3}], period={"relative": "this", "grain": "year"})
    expected = scalar(metrics_store, "SELECT COUNT(*) FROM (SELECT d.owner_id FROM deals d JOIN sales_units u ON u.id = "
                              "d.unit_id WHERE d.stage = 'won' AND u.region = 'east' AND d.closed_on BETWEEN "
                              "'2026-01-01' AND '2026-12-31' GROUP BY d.owner_id HAVING COUNT(*) >= 3)")
    assert len(result.rows) == expected
    assert sentence(result, "en").startswith(f"{expected} reps with at least 3 won deals")
    assert sentence(result, "zh").startswith(f"2026赢单数不少于3的销售有 {expected} 个")


def test_count_groups_needs_a_breakdown():
    with pytest.raises(ValueError, match="name what to group by"):
        MetricQuery.of({"metrics": ["won_deals"], "count_groups": True})


@pytest.mark.parametrize(("text", "group", "counted"), [
    ("Which of our finance customers haven't placed an order this year?", "account", False),
    ("今年还有几个客户一单都没下？", "account", True),
])
def test_accounts_that_ordered_nothing_are_read(text, group, counted):
    got = read(text)
    assert got["group_by"] == [group] and got["having"] == [{"metric": "orders", "op": "=", "value": 0.0}], (text, got)
    assert bool(got.get("count_groups")) is counted


def test_accounts_with_no_order_are_shown_within_the_askers_units(metrics_store):  # noqa: F811
    result = ask(metrics_store, "zhao.lei", metrics=["orders"], group_by=["account"], filters={"industry": ["finance"]},
                 having=[{"metric": "orders", "op": "=", "value": 0}], period={"relative": "this", "grain": "year"})
    with metrics_store.session() as s:
        expected = sorted(r[0] for r in s.execute(text(
            "SELECT ac.name FROM accounts ac JOIN sales_units u ON u.id = ac.unit_id WHERE u.region = 'east' AND "
            "ac.industry = 'finance' AND ac.id NOT IN (SELECT o.account_id FROM orders o WHERE o.ordered_on "
            "BETWEEN '2026-01-01' AND '2026-12-31')")))
    assert expected and sorted(r["account"] for r in result.rows) == expected
    # a filter on the facts (calls only) narrows what is counted, not who is listed: reps with no call this week
    calls = ask(metrics_store, "zhao.lei", metrics=["activities"], group_by=["rep"], filters={"channel": ["call"]},
                having=[ZERO], period={"relative": "this", "grain": "week"})
    with metrics_store.session() as s:
        no_call = sorted(r[0] for r in s.execute(text(REPS_WITHOUT.replace("'north'", "'east'").replace(
            "a.occurred_at >= '2026-11-23'", "a.kind = 'call' AND a.occurred_at >= '2026-11-23'"))))
    assert no_call and sorted(r["rep"] for r in calls.rows) == no_call


@pytest.mark.parametrize("text", ["Which reps made no calls this week?", "这周哪些销售一个电话都没打", "本周有哪些销售还没打过电话"])
def test_no_calls_is_a_zero_bound_on_the_calls(text):
    got = read(text)
    assert got["filters"].get("channel") == ["call"] and got["having"] == [ZERO] and got["group_by"] == ["rep"], got
