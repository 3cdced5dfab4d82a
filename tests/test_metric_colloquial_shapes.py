"""Managers' colloquial shapes (issue 12): a state of not yet done said after its noun ("投诉没解决的有多少"), a ranking
said by a verb's complement ("单子丢得最多的销售"), the verb of a relative clause before a record's noun ("今年丢了的
单子有几个") or before the records counted ("今年签了几份合同"), the object of a visit that is no breakdown ("上个月
拜访客户最多的销售"), and everyday synonyms ("让利", "逾期账款", "在谈的单子")."""
from __future__ import annotations

import pytest

from tests.test_metric_terms import read, routed


@pytest.mark.parametrize(("text", "filters"), [
    ("投诉没解决的有多少", {"case_kind": ["complaint"]}),
    ("没关的投诉还有几个", {"case_kind": ["complaint"]}),
    ("How many unresolved complaints do we have?", {"case_kind": ["complaint"]}),
    ("加急工单还有几个没解决", {"priority": ["high", "urgent"]}),
    ("还有多少紧急工单没解决", {"priority": ["urgent"]}),  # the level said by its own word
    ("工单还没关的有几个", None),
])
def test_cases_in_a_state_of_not_yet_done_are_the_open_cases_of_that_kind(text, filters):
    got = read(text)
    assert got["metrics"] == ["open_cases"] and got.get("filters") == filters
    assert "group_by" not in got  # two priority levels say which cases, not a breakdown of them


@pytest.mark.parametrize(("text", "metric"), [
    ("How many complaints were opened this month?", "complaints"),  # "opened" is what was done, no state
    ("今年的投诉有多少", "complaints"),
    ("投诉解决率", "case_resolution_rate"),
])
def test_cases_said_without_a_state_keep_their_metric(text, metric):
    assert read(text)["metrics"] == [metric]


@pytest.mark.parametrize(("text", "metric", "order"), [
    ("单子丢得最多的是哪个销售", "lost_deals", "desc"),
    ("谁签得最少", "won_deals", "asc"),
])
def test_a_ranking_said_by_the_verbs_complement_names_the_verbs_metric(text, metric, order):
    got = read(text)
    assert (got["metrics"], got["group_by"], got["order"]) == ([metric], ["rep"], order)


@pytest.mark.parametrize(("text", "metric"), [
    ("今年丢了的单子有几个", "lost_deals"),
    ("10月份丢掉的单子总金额", "lost_value"),
    ("今年签下来的单子一共多少钱", "won_value"),
])
def test_the_verb_of_a_relative_clause_before_a_records_noun_names_which_records(text, metric):
    assert read(text)["metrics"] == [metric]


@pytest.mark.parametrize(("text", "metric"), [
    ("今年到现在一共签了多少合同", "won_deals"),  # 签了多少 alone is money; the contracts are counted
    ("今年签了几份合同", "won_deals"),
    ("今年签了多少钱的合同", "won_value"),
    ("今年一共签了多少", "won_value"),
])
def test_contracts_counted_after_the_verb_ask_how_many_were_signed(text, metric):
    assert read(text)["metrics"] == [metric]


def test_the_records_of_a_relative_clause_without_a_figure_asked_stay_records():
    assert "metrics" not in read("看一下今年丢掉的单子")
    assert routed("今年丢了的单子有几个") == "transfer_to_analyst"


@pytest.mark.parametrize("text", ["上个月拜访客户最多的销售", "Which rep visited the most customers last month?"])
def test_the_object_of_a_visit_is_no_breakdown_the_people_who_visit_are(text):
    got = read(text)
    assert (got["metrics"], got["group_by"]) == (["meetings"], ["rep"])


def test_the_account_asked_by_a_group_cue_still_groups():
    assert read("今年哪个客户拜访次数最多")["group_by"] == ["account"]


@pytest.mark.parametrize(("text", "metric"), [
    ("今年给客户的让利平均是多少", "discount_depth"),
    ("哪个区的让利最多", "discount_depth"),
    ("逾期账款有多少", "overdue_receivables"),
    ("在谈的单子总共多少钱", "pipeline_value"),
    ("在谈的单子有几个", "open_deals"),
])
def test_everyday_words_name_their_metric(text, metric):
    assert read(text)["metrics"] == [metric]


@pytest.mark.parametrize("text", ["今年单子平均多久能签下来", "平均几天能拿下一单"])
def test_how_long_asked_with_a_verb_of_winning_is_the_sales_cycle(text):
    assert read(text)["metrics"] == ["sales_cycle_days"]



@pytest.mark.parametrize(("text", "year", "quarter"), [("今年Q3的订单收入", 2026, 3), ("去年Q4的赢单金额", 2025, 4)])
def test_a_quarter_said_as_q_after_its_year_is_that_years_quarter_and_no_breakdown_by_year(text, year, quarter):
    got = read(text)
    assert (got["period"]["fiscal_year"], got["period"]["quarter"]) == (year, quarter) and "group_by" not in got


def test_the_first_few_biggest_accounts_are_a_ranking_of_accounts():
    got = read("前五大客户今年下了多少单")
    assert (got["metrics"], got["group_by"], got["order"], got["limit"]) == (["orders"], ["account"], "desc", 5)


@pytest.mark.parametrize("text", ["客户欠我们多少钱", "逾期没付的款有多少"])
def test_money_owed_and_unpaid_past_due_is_the_overdue_receivables(text):
    assert read(text)["metrics"] == ["overdue_receivables"]
