"""Reps' requests of session 12 (evals/scenarios/rep_eleventh_round.yaml), each checked against what must stay
unchanged: "everything I have in negotiation" is the rep's own deals, not the unit's; a count asked for ("my top 3",
"金额最大的三个商机") limits the list and "我手上的" deals are the open ones; "brief me on <account>" is its picture and
"a rundown of <account> before tomorrow" the meeting's prep; "提一个3%的折扣申请" files a request (shown as a plan, written
on the rep's yes) and "我能给…申请折扣吗" checks the contract, writing nothing."""
from __future__ import annotations

from crm.mood import asks_permission
from llm.offline.account_picture import PREP, SUMMARY, asked_for
from llm.offline.filing import files_a_request
from llm.offline.list_count import find_count
from tests.test_rep_seventh_round import business, changed
from tests.test_sales_tools import call


def _tools(turn) -> list[str]:
    return [c["name"] for c in turn.tool_calls]


def test_what_i_have_in_negotiation_is_my_own_deals_not_my_units(tessera):
    before = business(tessera.store)
    turn = tessera.chat("li.wei", "mine", "what's the total value of everything I have in negotiation right now?")
    assert _tools(turn) == ["find_deals"], turn.tool_calls
    assert turn.tool_calls[0]["args"].get("owner") == "me" and turn.tool_calls[0]["args"].get("stage") == "negotiation"
    mine = call(tessera, "li.wei", "find_deals", owner="me", stage="negotiation")
    unit = call(tessera, "li.wei", "find_deals", stage="negotiation")
    assert {d["owner"] for d in mine["items"]} == {"李伟"} and mine["total"] < unit["total"]
    assert changed(tessera, before) == {}


def test_a_count_asked_for_limits_the_list_and_the_deals_on_hand_are_open(tessera):
    before = business(tessera.store)
    turn = tessera.chat("wang.fang", "three", "帮我看看我手上金额最大的三个商机")
    assert _tools(turn) == ["find_deals"], turn.tool_calls
    args = turn.tool_calls[0]["args"]
    assert (args.get("owner"), args.get("open"), args.get("order_by"), args.get("limit")) == ("me", True, "amount", 3)
    three = call(tessera, "wang.fang", "find_deals", owner="me", open=True, order_by="amount", limit=3)
    every = call(tessera, "wang.fang", "find_deals", owner="me", open=True, order_by="amount")
    assert [d["deal"] for d in three["items"]] == [d["deal"] for d in every["items"][:3]] == ["D-1871", "D-751", "D-301"]
    assert three["total"] == every["total"] and three["about"]["limit"] == 3  # how many match is still said
    assert all(d["closed_on"] is None for d in every["items"])
    assert not call(tessera, "wang.fang", "find_deals", owner="me", limit=0)["ok"]  # a count of none is refused
    assert changed(tessera, before) == {}


def test_my_biggest_deal_is_the_first_of_my_deals_by_amount_and_says_how_many_there_are(tessera):
    before = business(tessera.store)
    turn = tessera.chat("wang.fang", "biggest", "what is my biggest deal")
    assert _tools(turn) == ["find_deals"] and turn.tool_calls[0]["args"].get("limit") == 1, turn.tool_calls
    every = call(tessera, "wang.fang", "find_deals", owner="me", order_by="amount")
    rows = [line for line in turn.reply.split("\n") if line.startswith("D-")]
    assert [r.split()[0] for r in rows] == [every["items"][0]["deal"]]  # that one deal, the biggest
    assert f"Found {every['total']} deals" in turn.reply
    assert changed(tessera, before) == {}


def test_counts_in_either_language_and_what_is_no_count():
    def count(text: str) -> int | None:
        found = find_count(text)
        return found.value if found else None
    assert count("show me my top 3 open deals by amount") == 3
    assert count("what are the five biggest deals I have on hand?") == 5
    assert count("which three of my open opportunities are worth the most?") == 3
    assert count("我在跟的单子里金额最大的前两个是哪些？") == 2
    assert count("列出我手上最快能成交的三个单子") == 3
    # one record asked by a superlative in the singular is the first of the list; the plural stays the list
    assert count("what is my biggest deal") == count("我最大的单子是哪个") == 1
    assert count("show me my biggest deals") is None and count("what's my average deal size") is None
    for none in ("三个月没跟进的商机", "客户要求再让5个点", "deals over 500k closing next month",
                 "which deals have had no activity for 30 days", "我手上有一个商机", "近两个季度的单子"):
        assert count(none) is None, none


def test_brief_me_on_an_account_is_its_picture_and_a_rundown_before_a_meeting_is_the_prep(tessera):
    assert asked_for("brief me on 海纳供应链", ahead=False) == SUMMARY
    assert asked_for("give me a rundown of Acme Robotics before tomorrow", ahead=True) == PREP
    assert asked_for("quick summary of where we are before my call", ahead=True) == SUMMARY  # named, so the summary
    assert asked_for("先给我讲讲同舟供应链的情况", ahead=False) == SUMMARY
    assert asked_for("how is Globex doing", ahead=False) is None
    before = business(tessera.store)
    summary = tessera.chat("amy.lam", "brief", "brief me on 海纳供应链")
    assert _tools(summary) == ["account_summary"], summary.tool_calls
    prep = tessera.chat("li.wei", "rundown", "give me a rundown of Acme Robotics before tomorrow")
    assert _tools(prep) == ["prep_meeting"], prep.tool_calls
    # a visit ahead said without a word of the prep's own: still the prep, never a task written
    visit = tessera.chat("emma.chen", "visit", "明天要去海天电子，帮我了解一下他们的情况")
    assert _tools(visit) == ["prep_meeting"], visit.tool_calls
    assert changed(tessera, before) == {}


def test_filing_a_discount_request_is_a_request_and_nothing_else_changes(tessera):
    assert files_a_request("给海纳供应链提一个3%的折扣申请")
    assert files_a_request("put in a 4% discount request for Summit Retail")
    for not_filing in ("我提交的折扣申请批了吗", "did my discount request for Globex go through?", "我的折扣申请有被拒的吗",
                       "上次申请的折扣结果怎么样了", "打开审批"):
        assert not files_a_request(not_filing), not_filing
    before = business(tessera.store)
    turn = tessera.chat("amy.lam", "file", "给海纳供应链提一个3%的折扣申请")
    assert _tools(turn) == ["request_discount"], turn.tool_calls
    assert turn.tool_calls[0]["args"]["deal"] == "D-1935" and turn.tool_calls[0]["args"]["percent"] == 3
    assert turn.confirmation and changed(tessera, before) == {}  # a plan first: nothing written before the yes
    tessera.chat("amy.lam", "file", "确认")
    after = changed(tessera, before)
    assert after.get("deals", set()) <= {(1935,)}, after  # the one deal asked about, no other
    assert "contract_decisions" in after and set(after) <= {"deals", "contract_decisions", "budget_pools"}, after


def test_may_i_apply_for_a_discount_checks_the_contract_and_writes_nothing(tessera):
    assert asks_permission("我能给凯旋物流申请折扣吗？")
    assert not asks_permission("你们能帮我查一下吗")
    before = business(tessera.store)
    turn = tessera.chat("james.liu", "may", "我能给凯旋物流申请折扣吗？")
    assert _tools(turn) == ["check_discount"], turn.tool_calls
    assert turn.tool_calls[0]["args"]["deal"] == "D-2052" and not turn.written
    assert changed(tessera, before) == {}


def _logged(tessera, before: dict) -> list:
    from sqlalchemy import select

    from crm.models import Activity
    added = {k[0] for k in changed(tessera, before).get("activities", set())}
    with tessera.store.session() as s:
        return list(s.scalars(select(Activity).where(Activity.id.in_(added))))


def test_a_call_logged_with_yesterday_is_dated_yesterday_and_nothing_else_is_written(tessera):
    before = business(tessera.store)
    turn = tessera.chat("li.wei", "yesterday", "log a call with 北辰医疗器械 yesterday about the pricing of the renewal")
    assert _tools(turn) == ["log_activity"], turn.tool_calls
    assert turn.tool_calls[0]["args"].get("day") == "2026-11-25"
    if turn.confirmation:
        tessera.chat("li.wei", "yesterday", "yes")
    (activity,) = _logged(tessera, before)
    assert activity.occurred_at.date().isoformat() == "2026-11-25" and activity.kind == "call"
    assert "pricing of the renewal" in activity.subject and "yesterday" not in activity.subject
    assert set(changed(tessera, before)) == {"activities"}


def test_an_activity_dated_ahead_is_refused_and_nothing_is_written(tessera):
    before = business(tessera.store)
    refused = call(tessera, "li.wei", "log_activity", account="北辰医疗器械", kind="call", subject="pricing",
                   day="2026-11-27")
    assert not refused["ok"] and "create_task" in str(refused)
    assert changed(tessera, before) == {}


def test_what_follows_the_command_keeps_its_words_whatever_the_examples_repeat():
    import datetime as dt

    from llm.offline.arguments import fill
    from llm.offline.lexicon import EntityName, Lexicon
    from llm.offline.reading import Reading
    from llm.offline.schema import parse_tools
    from tools.registry import ALL
    from tools.schema import openai_tool
    (view,) = parse_tools([openai_tool(ALL["log_activity"])])
    names = Lexicon({"account": [EntityName("Acme Robotics"), EntityName("北辰医疗器械")]})

    def subject(text: str) -> str | None:
        return fill(view, Reading(text, names, dt.date(2026, 11, 26))).args.get("subject")
    assert subject("log a call with Acme Robotics, they want a pilot") == "they want a pilot"
    assert subject("add a note to Acme Robotics: they want a discount") == "they want a discount"
    assert subject("log a meeting with Acme Robotics on Monday, they want a demo") == "they want a demo"
    assert subject("记录一下今天给北辰医疗器械打了电话，讨论续约") == "讨论续约"
    assert "they want a pilot" in subject("met their CTO this morning, they want a pilot")
    assert fill(view, Reading("log a meeting with Acme Robotics on Monday, they want a demo", names,
                              dt.date(2026, 11, 26))).args["day"] == "2026-11-23"  # the Monday just past
