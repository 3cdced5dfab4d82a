"""Question kinds a manager asks beside the plain figure: the same period last year asked for itself ("去年同期我们赢了
多少钱" is last year's figure, not this year's compared), why deals were lost (no reason is recorded: the layer says
it cannot, while one named deal still lists its records), and an average per rep ("平均每个销售这个月记录了多少条活动"
is one figure, not the count by rep)."""
from __future__ import annotations

import pytest

from tests.metrics_support import ask, scalar
from tests.security.erasure_support import changed_rows, snapshot
from tests.test_query_metrics_tool import read

LAST_YEAR_SO_FAR = {"start": "2025-01-01", "end": "2025-11-26"}


@pytest.mark.parametrize("question", ["去年同期我们赢了多少钱", "What did we win in the same period last year?",
                                      "去年同期的赢单率是多少"])
def test_the_same_period_last_year_said_alone_is_the_period_asked(question):
    args = read(question)
    assert {k: args["period"][k] for k in ("start", "end")} == LAST_YEAR_SO_FAR
    assert "compare_to" not in args


@pytest.mark.parametrize("question", ["本季度赢单金额和去年同期相比", "今年的回款天数和去年同期比", "这个月的订单数，去年同期呢"])
def test_the_same_period_last_year_beside_a_period_of_this_year_is_the_comparison(question):
    args = read(question)
    assert args["compare_to"] == "same_period_last_year" and args["period"]["start"].startswith("2026")


@pytest.mark.parametrize("question", ["Why did we lose deals last quarter?", "丢单的主要原因是什么？",
                                      "what are the top loss reasons this year?"])
def test_why_deals_were_lost_is_not_recorded_so_the_manager_is_told_it_cannot_be_answered(tessera, question):
    turn = tessera.chat("olivia.wang", "reasons", question)
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"], turn.reply
    assert "can't" in turn.reply or "做不到" in turn.reply, turn.reply[:200]


def test_why_one_named_deal_was_lost_lists_that_accounts_lost_deals(tessera):
    turn = tessera.chat("zhao.lei", "acme", "why did we lose the Acme deal?")
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"], turn.reply
    assert turn.tool_calls[0]["args"]["stage"] == "lost"


@pytest.mark.parametrize("question", ["平均每个销售这个月记录了多少条活动",
                                      "On average, how many activities did each rep log last month?"])
def test_an_average_per_rep_is_one_figure(question):
    args = read(question)
    assert args["metrics"] == ["activities_per_rep"] and "group_by" not in args


def test_each_reps_activities_are_still_broken_down_by_rep():
    args = read("每个销售这个月记录了多少条活动")
    assert args["metrics"] == ["activities"] and args["group_by"] == ["rep"]


@pytest.mark.parametrize(("question", "metric"), [
    ("我们区现在还有多少应收没收回来", "outstanding_receivables"),  # 收回来 (collected) said negated
    ("应收账款有多少", "outstanding_receivables"),
    ("应收账款里逾期的有多少", "overdue_receivables"),  # overdue ones of them
    ("How much in accounts receivable do we have?", "outstanding_receivables"),
    ("客户欠我们多少钱", "overdue_receivables"),  # money owed stays what is past due
    ("今年卖出去的产品里哪个毛利最高", "gross_profit"),  # 卖出去的产品 says which products, 毛利 what is measured
    ("今年预算用了多少了", "budget_used"),
    ("上周开了多少个商机", "new_deals"),  # opened, not still open
    ("这个月解决了几个投诉", "cases_closed"),
    ("现在还开着的工单有多少", "open_cases"),  # still open, not opened
    ("最近一个月有几个单子丢了", "lost_deals"),  # the records counted before their verb
    ("这个季度有多少个单子签下来了", "won_deals"),
    ("今年谈成了多少钱", "won_value"),  # 谈成: talked into a deal, won
    ("这个月谈成了几单", "won_deals"),
    ("How many days does it take to close a deal on average?", "sales_cycle_days"),  # days, never the deal size
    ("How fast do we resolve cases?", "case_close_days"),  # how fast: the days of the same cases
    ("工单解决得多快", "case_close_days"),
    ("今年有多少笔逾期回款", "late_payments"),  # 逾期 said of payments: the instalments paid late or owed
    ("逾期回款金额是多少", "overdue_receivables"),  # … and their money: the amount past due
    ("今年全公司一共有多少笔回款", "instalments_paid"),  # 笔 counts the instalments paid, not their money
    ("上个月工单平均几天解决", "case_close_days"),  # the one length of time measured on cases
])
def test_everyday_chinese_and_english_words_name_the_metric_meant(question, metric):
    assert read(question)["metrics"] == [metric]


def test_still_open_cases_said_in_words_are_counted_not_looked_up_as_an_account(tessera):
    turn = tessera.chat("olivia.wang", "open cases", "现在还开着的工单有多少")
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"], turn.reply
    assert turn.tool_calls[0]["args"]["metrics"] == ["open_cases"]


@pytest.mark.parametrize(("question", "metric"), [
    ("What's the typical sales cycle for deals over 500K?", "sales_cycle_days"),  # a length of time, never the deals
    ("What's the average time to close a complaint?", "case_close_days"),  # a complaint is closed, not a deal
    ("Who are my top performers this quarter?", "won_value"),
])
def test_a_measure_of_records_reads_as_the_metric_meant(question, metric):
    assert read(question)["metrics"] == [metric]


def test_lost_value_by_a_reason_nothing_records_is_unmeasured():
    args = read("Lost value by reason this year")
    assert args["metrics"] == ["by reason"]  # the tool then says it cannot: no loss reason is stored


@pytest.mark.parametrize("question", ["What's the biggest deal we won this quarter?", "今年赢的最大的一单是哪个",
                                      "今年最大的一单是谁签的"])
def test_the_biggest_deal_won_is_that_deal_not_a_count(tessera, question):
    turn = tessera.chat("olivia.wang", "biggest", question)
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"], turn.reply
    assert turn.tool_calls[0]["args"]["order_by"] == "amount" and turn.tool_calls[0]["args"]["stage"] == "won"


def test_the_biggest_deal_said_with_no_state_is_still_one_deal_not_a_question_of_which_metric(tessera):
    turn = tessera.chat("olivia.wang", "biggest one", "今年最大的一单是哪个")
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"], turn.reply
    assert turn.tool_calls[0]["args"]["order_by"] == "amount"


@pytest.mark.parametrize("question", ["Which rep has the most deals?", "谁手上的单子最多", "How many deals does each rep have?"])
def test_deals_counted_per_rep_with_no_state_are_the_deals_each_has_open(question):
    args = read(question)
    assert args["metrics"] == ["open_deals"] and args["group_by"] == ["rep"]


@pytest.mark.parametrize(("question", "stages"), [("谈判阶段的单子平均金额是多少", ["negotiation"]),
                                                  ("What's the average deal size in negotiation?", ["negotiation"]),
                                                  ("在谈的单子平均多大", None),
                                                  ("average size of our open deals", None)])
def test_the_average_size_of_deals_still_open_is_not_the_won_deals_average(question, stages):
    args = read(question)
    assert args["metrics"] == ["avg_open_deal_size"] and args.get("filters", {}).get("stage") == stages
    assert read("average deal size this year")["metrics"] == ["avg_deal_size"]  # a deal's size is a won deal's


@pytest.mark.parametrize(("question", "metric"), [("How many customers placed an order this year?", "orders"),
                                                ("How many customers complained this month?", "complaints"),
                                                ("今年有多少客户下了单", "orders"),
                                                ("今年有多少客户买了我们的产品", "orders"),
                                                ("上个月多少客户付了款", "payments_collected")])
def test_customers_counted_as_the_doers_of_a_verb_are_counted_not_ranked(question, metric):
    args = read(question)
    assert args["metrics"] == [metric] and args["group_by"] == ["account"] and args["count_groups"] is True


@pytest.mark.parametrize("question", ["What percentage of our cases are complaints?", "工单里投诉占多少比例"])
def test_a_share_of_one_kind_among_every_kind_is_that_kinds_share(question):
    args = read(question)
    assert args["metrics"] == ["cases_opened"] and args["filters"] == {"case_kind": ["complaint"]}
    assert args["share_of"] == "case_kind"


@pytest.mark.parametrize(("question", "metric"), [
    ("有多少单子没关", "open_deals"),  # the deals, then a negated closing
    ("这个季度有多少单子逾期没关", "slipped_deals"),  # … overdue: the slipped ones
    ("本月每个销售谈成了几单", "won_deals"),  # 谈成: won
    ("本季度新增了多少线索", "new_deals"),  # new leads are deals created, not those still at the lead stage
])
def test_deals_said_with_their_state_or_verb_after_them_are_counted(question, metric):
    args = read(question)
    assert args["metrics"] == [metric] and "stage" not in (args.get("filters") or {})


@pytest.mark.parametrize(("question", "metric"), [("What share of tickets got closed last month?", "case_resolution_rate"),
                                                ("what percentage of deals did we lose this year", "loss_rate")])
def test_a_share_of_records_said_by_what_happened_to_them_is_the_rate(question, metric):
    assert read(question)["metrics"] == [metric]


def test_a_share_whose_part_is_a_filter_stays_a_share_of_the_whole():
    args = read("what share of won deals came from retail")
    assert args["metrics"] == ["won_deals"] and args["share_of"] == "industry"


@pytest.mark.parametrize("question", ["How accurate were our forecasts last quarter?", "这个季度的预测准不准",
                                      "How many website visitors did we get last month?",
                                      "What's the average age of our contacts?"])
def test_what_nothing_in_the_store_measures_is_said_so_not_answered_with_something_else(tessera, question):
    before = snapshot(tessera.store)
    turn = tessera.chat("liang.yu", "unmeasured", question)
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"], turn.reply
    assert "can't" in turn.reply or "做不到" in turn.reply, turn.reply[:200]
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "privacy_audit_log"}


def test_a_forecast_asked_is_still_the_forecast(tessera):
    turn = tessera.chat("zhao.lei", "forecast", "forecast revenue this quarter")
    assert [c["name"] for c in turn.tool_calls] == ["forecast_revenue"], turn.reply


@pytest.mark.parametrize(("question", "metric", "group_by"), [
    ("How many reps do we have?", "rep_headcount", None),
    ("我们有几个销售", "rep_headcount", None),
    ("How many accounts does each unit have?", "account_count", ["unit"]),
    ("客户数最多的行业是哪个", "account_count", ["industry"]),
    ("哪个销售的客户最多", "account_count", ["rep"]),
    ("Which unit has the most customers?", "account_count", ["unit"]),
])
def test_reps_or_accounts_counted_with_no_metric_named_are_counted(question, metric, group_by):
    args = read(question)
    assert args["metrics"] == [metric] and args.get("group_by") == group_by and "count_groups" not in args


@pytest.mark.parametrize(("question", "metric"), [("How many reps won at least 3 deals?", "won_deals"),
                                                ("哪个客户下单最多", "orders"),
                                                ("有几个销售在干活", "active_reps")])
def test_reps_or_accounts_doing_something_are_still_counted_by_what_they_did(question, metric):
    assert read(question)["metrics"] == [metric]


def test_a_managers_account_count_is_their_regions(metrics_store):
    result = ask(metrics_store, "liang.yu", metrics=["account_count"], group_by=["unit"])
    want = scalar(metrics_store, "SELECT COUNT(*) FROM accounts a JOIN sales_units u ON u.id = a.unit_id "
                                 "WHERE u.region = 'south'")
    everyone = scalar(metrics_store, "SELECT COUNT(*) FROM accounts")
    assert sum(r["account_count"] for r in result.rows) == want and 0 < want < everyone
    reps = ask(metrics_store, "liang.yu", metrics=["rep_headcount"]).rows[0]["rep_headcount"]
    assert reps == scalar(metrics_store, "SELECT COUNT(*) FROM users us JOIN sales_units u ON u.id = us.unit_id "
                                         "WHERE u.region = 'south' AND us.role = 'rep' AND us.disabled_at IS NULL")


def test_a_figure_of_zero_is_stated_and_nothing_recorded_is_said_so(metrics_store):
    from crm.metrics.answer import sentence

    used = scalar(metrics_store, "SELECT SUM(b.used_amount) FROM budget_pools b JOIN sales_units u ON u.id = b.unit_id "
                                 "WHERE u.region = 'east'")
    assert used == 0  # the seed's budgets are untouched: a sum of 0, not an absence
    result = ask(metrics_store, "zhao.lei", metrics=["budget_used"])
    assert sentence(result, "en") == "Budget used to date: ¥0." and sentence(result, "zh") == "至今预算使用额：¥0。"
    future = ask(metrics_store, "zhao.lei", metrics=["won_value"], period={"relative": "next", "grain": "year"})
    assert sentence(future, "en") == "No won value in 2027."  # no deal closes next year yet: no figure at all


@pytest.mark.parametrize("question", ["上季度逾期付款的客户有几家", "今年下过单的客户有多少个"])
def test_how_many_said_after_the_groups_word_counts_the_groups(question):
    args = read(question)
    assert args["group_by"] == ["account"] and args["count_groups"] is True


def test_how_long_cases_take_is_answered_as_a_figure_not_asked_which_account(tessera):
    turn = tessera.chat("olivia.wang", "case days", "工单平均几天能解决")
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"], turn.reply
    assert turn.tool_calls[0]["args"]["metrics"] == ["case_close_days"] and "天" in turn.reply.splitlines()[0]


@pytest.mark.parametrize(("question", "start", "end"), [("今年前十个月的成交额", "2026-01-01", "2026-10-31"),
                                                       ("the first ten months of this year won value", "2026-01-01",
                                                        "2026-10-31"),
                                                       ("今年前11个月的订单收入", "2026-01-01", "2026-11-30")])
def test_the_first_months_of_a_year_past_nine_are_that_span(question, start, end):
    args = read(question)
    assert (args["period"]["start"], args["period"]["end"]) == (start, end) and "group_by" not in args


@pytest.mark.parametrize("question", ["上个季度回款最多的客户是谁", "the customer who paid us the most last quarter"])
def test_who_said_of_customers_asks_which_customer_not_which_rep(question):
    args = read(question)
    assert args["group_by"] == ["account"] and args["order"] == "desc"


@pytest.mark.parametrize(("question", "filters", "order"), [
    ("Who is my best rep this quarter?", {"unit": ["mine"]}, "desc"),
    ("Who's my worst performing rep this year by win rate?", {"unit": ["mine"]}, "asc"),  # my rep: my team's reps
    ("哪个销售最厉害", None, "desc"),
])
def test_reps_ranked_by_how_good_they_are_are_ranked_by_what_they_won_unless_a_metric_is_named(question, filters, order):
    args = read(question)
    assert args["group_by"] == ["rep"] and args.get("filters") == filters and args["order"] == order
    assert args["metrics"] == (["win_rate"] if "win rate" in question else ["won_value"])


@pytest.mark.parametrize("question", ["What's the total pipeline across all regions?", "所有部门加起来的赢单金额"])
def test_a_total_across_all_groups_is_one_figure(question):
    assert "group_by" not in read(question)


def test_a_total_by_a_group_is_still_broken_down_and_this_vs_last_compares():
    assert read("total won value by region")["group_by"] == ["region"]
    assert read("won value this quarter vs last")["compare_to"] == "previous_period"
