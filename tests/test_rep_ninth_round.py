"""Reps' requests of session 9 through the offline model, end to end on the seeded store, each checked against what
must stay unchanged: a discount said of an account is checked on its one open deal (a product word inside the
account's name names no product deal); the biggest deal closing before a day lists the caller's own deals up to that
day; a change by a share where the account has two open deals asks which by number, and the answer changes only that
deal; a day said "by" or "before" reads as the period up to it."""
from __future__ import annotations

import datetime as dt

from llm.offline.dates import find_periods
from tests.test_rep_seventh_round import business, changed

TODAY = dt.date(2026, 11, 26)


def test_a_day_said_by_or_before_is_the_period_up_to_it_and_holidays_are_days():
    def period(text: str) -> dict:
        found = find_periods(text, TODAY)
        assert len(found) == 1, found
        return {k: v for k, v in found[0].value.items() if k != "label"}

    assert period("biggest deal I'm likely to close before christmas") == {"end": "2026-12-25"}
    assert period("圣诞节前能签的单子") == {"end": "2026-12-25"}
    assert period("deals I could close by December 15") == {"end": "2026-12-15"}
    assert period("what can I still close by the end of the year") == {"end": "2026-12-31"}
    assert period("deals closing on December 15") == {"start": "2026-12-15", "end": "2026-12-15"}
    assert period("deals won before October 1") == {"start": "2026-10-01", "end": "2026-10-01"}  # a day past: as said


def test_a_discount_said_of_an_account_is_checked_on_its_one_open_deal_and_nothing_is_written(tessera):
    before = business(tessera.store)
    turn = tessera.chat("li.wei", "crescent", "can I give Crescent Medical 12% off?")
    assert [(c["name"], c["args"].get("deal"), c["args"].get("percent")) for c in turn.tool_calls] == \
        [("check_discount", "D-1709", 12)], turn.tool_calls
    assert "Medical Device Monitor" not in turn.reply
    assert changed(tessera, before) == {}


def test_the_biggest_deal_before_christmas_lists_the_callers_own_deals_up_to_that_day(tessera):
    before = business(tessera.store)
    turn = tessera.chat("li.wei", "xmas", "biggest deal I'm likely to close before christmas")
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"], turn.tool_calls
    args = turn.tool_calls[0]["args"]
    assert args.get("owner") == "me" and str(args["period"]["end"]) == "2026-12-25", args
    assert "D-1943" in turn.reply
    assert changed(tessera, before) == {}


def test_a_share_off_an_account_with_two_open_deals_asks_which_and_changes_only_the_one_answered(tessera):
    before = business(tessera.store)
    asked = tessera.chat("wang.fang", "globex", "把Globex Logistics的金额下调5%")
    assert not asked.tool_calls and "(1) D-1905" in asked.reply, asked.reply
    assert changed(tessera, before) == {}
    done = tessera.chat("wang.fang", "globex", "第一个")
    assert [c["name"] for c in done.tool_calls] == ["find_deals", "update_deal"], done.tool_calls
    assert done.tool_calls[1]["args"]["deal"] == "D-1905" and float(done.tool_calls[1]["args"]["amount"]) == 539448
    assert set(changed(tessera, before)) <= {"deals", "deal_stage_changes"}
    assert len(changed(tessera, before)["deals"]) == 1  # that one deal, nothing else


def test_a_reps_own_figure_is_answered_by_the_metric_tool_scoped_to_them_and_writes_nothing(tessera):
    before = business(tessera.store)
    for n, (message, metric) in enumerate([("我这个月完成了多少业绩", "won_value"),
                                           ("how many customer meetings have I had this month", "meetings"),
                                           ("我今年的赢单率是多少", "win_rate"),  # a period between 我 and 的: still mine
                                           ("我这个季度的业绩是多少", "won_value")]):
        turn = tessera.chat("wang.fang", f"own-{n}", message)
        assert [c["name"] for c in turn.tool_calls] == ["query_metrics"], turn.tool_calls
        args = turn.tool_calls[0]["args"]
        assert args["metrics"] == [metric] and args["filters"].get("rep") == ["mine"], args
    assert changed(tessera, before) == {}


def test_a_reps_other_requests_are_decided_without_the_metric_tool():
    from agents.routing import role_toolset
    from agents.capabilities import capability_message
    from llm.offline.decide import TurnPolicy
    from tools.schema import openai_tool

    policy = TurnPolicy(clock=lambda: TODAY)
    tools = [openai_tool(t) for t in role_toolset("sales", "rep")]
    assert "query_metrics" in {t["function"]["name"] for t in tools}
    system = {"role": "system", "content": capability_message("rep").content}
    for text in ["how many open deals do I have", "what's the win rate of my team this year", "show me my deals closing this month"]:
        reply = policy.reply([system, {"role": "user", "content": text}], tools)
        assert all(c.name != "query_metrics" for c in reply.tool_calls), (text, reply.tool_calls)
