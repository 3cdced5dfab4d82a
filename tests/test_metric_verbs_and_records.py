"""Managers name records and what was done to them in many orders: the record before its verb with the asker between
("how many deals did we open in Q3", "deals are we still working on"), 单子 for 商机 ("每个销售手上有多少在跟的单子"),
the verb's clause saying which records are counted ("上个月丢了几个单子", "哪个销售丢的单最多"), and how long it takes to
be paid asked by the verb ("我们的订单平均要多久才回款")."""
from __future__ import annotations

import pytest

from tests.test_query_metrics_tool import read


@pytest.mark.parametrize(("text", "metric"), [
    ("How many deals did we open in Q3?", "new_deals"),
    ("How many deals are we still working on?", "open_deals"),
    ("how many live deals do we have", "open_deals"),
    ("我们手上还有多少个没关的单子？", "open_deals"),
])
def test_the_record_said_before_its_state_or_verb_names_the_same_metric(text, metric):
    assert read(text)["metrics"] == [metric]


def test_a_rep_breakdown_of_deals_in_hand_counts_the_open_deals():
    got = read("每个销售手上有多少在跟的单子")
    assert got["metrics"] == ["open_deals"] and got["group_by"] == ["rep"]


@pytest.mark.parametrize(("text", "metrics"), [
    ("上个月我们丢了几个单子，丢了多少钱？", ["lost_deals", "lost_value"]),
    ("今年丢了的单子有几个", ["lost_deals"]),
    ("上个月签了几个单子", ["won_deals"]),
])
def test_the_verbs_clause_names_which_records_are_counted(text, metrics):
    assert read(text)["metrics"] == metrics


def test_a_ranking_by_the_verbs_records_names_the_verbs_metric():
    got = read("今年哪个销售丢的单最多？")
    assert got["metrics"] == ["lost_deals"] and got["group_by"] == ["rep"] and got["order"] == "desc"


@pytest.mark.parametrize("text", ["我们的订单平均要多久才回款", "客户下单后一般多少天付款？", "今年订单平均多少天回款"])
def test_how_long_until_paid_is_days_sales_outstanding(text):
    assert read(text)["metrics"] == ["days_sales_outstanding"]


@pytest.mark.parametrize(("text", "metric"), [
    ("今年回款多少", "payments_collected"),  # no "how long": the money collected
    ("这个季度我们收回来多少钱？", "payments_collected"),
    ("每个销售今年平均一单多少钱？", "avg_deal_size"),
])
def test_everyday_words_for_money_collected_and_deal_size(text, metric):
    assert read(text)["metrics"] == [metric]
