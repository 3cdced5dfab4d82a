"""Reps' requests of session 11 (evals/scenarios/rep_tenth_round.yaml), each checked against what must stay
unchanged: a rep asks how much of their unit's discount budget is left and gets their own unit's standing only;
deals listed in the order asked for (the biggest, the likeliest to be won, the soonest to close); discounts decided
before, filtered by the customers' industry; "行不行" / "我可不可以帮…申请" about a discount is a question the
contract check answers, nothing written."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from crm.models import Account, Deal
from crm.mood import Mood, asks_permission, mood_of
from llm.offline.list_order import find_orders
from tests.test_rep_seventh_round import business, changed
from tests.test_sales_tools import call

ORDERS = ("amount", "win_probability", "close_date")


def test_a_rep_asking_for_the_units_budget_left_gets_their_own_unit_and_nothing_is_written(tessera):
    before = business(tessera.store)
    turn = tessera.chat("zhao.qiang", "budget", "我们组这个月的折扣预算还剩多少？")
    assert [c["name"] for c in turn.tool_calls] == ["unit_status"], turn.tool_calls
    result = call(tessera, "zhao.qiang", "unit_status", closest_by="budget")
    assert [u["unit"] for u in result["items"]] == ["north-industry"]  # a rep sees their own unit only
    refused = call(tessera, "zhao.qiang", "unit_status", unit="south-retail")
    assert not refused["ok"]
    assert changed(tessera, before) == {}


def test_deals_are_listed_biggest_first_or_soonest_first_when_asked(tessera):
    biggest = call(tessera, "wang.fang", "find_deals", owner="me", open=True, order_by="amount")
    amounts = [d["amount"] for d in biggest["items"]]
    assert amounts == sorted(amounts, reverse=True) and biggest["items"][0]["deal"] == "D-1871"
    soonest = call(tessera, "wang.fang", "find_deals", owner="me", open=True, order_by="close_date")
    days = [d["expected_close"] for d in soonest["items"]]
    assert days == sorted(days)
    assert {d["deal"] for d in soonest["items"]} == {d["deal"] for d in biggest["items"]}  # the same deals


def test_deals_asked_likeliest_first_come_in_order_of_their_win_probability(tessera):
    listed = tessera.chat("james.liu", "likely", "which of my open deals are most likely to be won?")
    assert [c["name"] for c in listed.tool_calls] == ["find_deals"], listed.tool_calls
    assert listed.tool_calls[0]["args"].get("order_by") == "win_probability"
    result = call(tessera, "james.liu", "find_deals", owner="me", open=True, order_by="win_probability")
    if all(d.get("win") for d in result["items"]):  # scored (the scoring model is trained on the seeded history)
        chances = [float(d["win"].rstrip("%")) for d in result["items"]]
        assert chances == sorted(chances, reverse=True)


def test_an_unknown_order_is_refused_with_the_orders_there_are(tessera):
    refused = call(tessera, "wang.fang", "find_deals", owner="me", order_by="colour")
    assert not refused["ok"]


def test_order_words_in_either_language():
    def first(text: str) -> str | None:
        return next((f.value for f in find_orders(text, ORDERS)), None)
    assert first("show me my biggest open deals") == "amount"
    assert first("我在跟的单子按金额从大到小排一下") == "amount"
    assert first("哪个单子最有可能这个月签下来") == "win_probability"
    assert first("deals with the best odds of closing") == "win_probability"
    assert first("which of my deals close soonest?") == "close_date"
    assert first("deals in negotiation at Acme") is None


def test_past_discount_decisions_filtered_by_the_customers_industry(tessera):
    with tessera.store.session() as s:
        def open_deal(industry: str) -> str:
            deal = s.scalars(select(Deal).join(Account, Account.id == Deal.account_id).where(
                Account.industry == industry, Deal.closed_on.is_(None), Deal.unit_id == Account.unit_id,
                Account.owner.has(login="james.liu"))).first()
            return f"D-{deal.id}"
        logistics, ecommerce = open_deal("logistics"), open_deal("e-commerce")
    later = (dt.date(2026, 11, 26) + dt.timedelta(days=60)).isoformat()
    for deal in (logistics, ecommerce):
        assert call(tessera, "james.liu", "request_discount", deal=deal, percent=2, promised_on=later)["ok"]
    before = business(tessera.store)
    found = call(tessera, "james.liu", "discount_decisions", industry="logistics")
    assert [d["deal"] for d in found["items"]] == [logistics]
    assert call(tessera, "james.liu", "discount_decisions")["total"] == 2
    turn = tessera.chat("james.liu", "past", "what discounts have we given e-commerce customers before?")
    assert [c["name"] for c in turn.tool_calls] == ["discount_decisions"], turn.tool_calls
    assert turn.tool_calls[0]["args"].get("industry") == "e-commerce"
    assert changed(tessera, before) == {}


def test_asking_whether_a_discount_is_ok_is_a_question_and_asking_tessera_to_help_stays_a_request():
    for question in ("给华润新材料打个九折行不行", "九折成不成？", "我可不可以帮云帆化工申请一点折扣？",
                     "我们能不能帮客户申请个折扣"):
        assert mood_of(question) is Mood.QUESTION and asks_permission(question), question
    for request in ("可以帮我查一下吗", "能不能帮我记一下", "可不可以帮我把邮箱改一下"):
        assert mood_of(request) is Mood.REQUEST, request


def test_may_i_ask_for_a_discount_checks_it_against_the_contract_and_writes_nothing(tessera):
    before = business(tessera.store)
    for n, (login, text) in enumerate([("ma.jun", "我能不能给云帆化工申请个折扣？"),
                                       ("ma.jun", "云帆化工打个九折行不行")]):
        turn = tessera.chat(login, f"may-{n}", text)
        assert [c["name"] for c in turn.tool_calls] == ["check_discount"], (text, turn.tool_calls)
        assert turn.tool_calls[0]["args"]["deal"] == "D-1689"
        assert not turn.written
    assert changed(tessera, before) == {}

