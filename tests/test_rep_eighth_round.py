"""Reps' requests of session 8 through the offline model, end to end on the seeded store (today 2026-11-26): a discount
asked for an account is about that account's open deal, and a product word inside an account's name ("Medical" of
Crescent Medical) invents no deal; a rep's own figures are their own, not their unit's; the biggest deal closing before
Christmas leads the list; a relative change of "Acme's amount" asks which deal by number and changes only that one."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from crm.models import Deal, User
from crm.services.deals import find_deals
from llm.offline.dates import find_periods
from tests.test_rep_seventh_round import business, changed

TODAY = dt.date(2026, 11, 26)


def test_a_discount_for_an_account_is_checked_on_its_open_deal_and_nothing_is_requested(tessera):
    before = business(tessera.store)
    turn = tessera.chat("li.wei", "check", "can I give Crescent Medical 12% off?")
    assert [(c["name"], c["args"].get("deal")) for c in turn.tool_calls] == [("check_discount", "D-1709")]
    assert "Medical Device Monitor" not in turn.reply
    asked = tessera.chat("li.wei", "ask", "7% off Crescent Medical's open deal")
    assert [(c["name"], c["args"]) for c in asked.tool_calls] == [("request_discount", {"percent": 7, "deal": "D-1709"})]
    assert asked.confirmation and "D-1709" in asked.reply  # the plan, waiting for her yes
    assert changed(tessera, before) == {}


def test_another_units_account_invents_no_deal_from_a_word_of_its_name(tessera):
    before = business(tessera.store)
    turn = tessera.chat("james.liu", "other", "can I give Crescent Medical 12% off?")
    assert [(c["name"], c["args"].get("deal")) for c in turn.tool_calls] == [("check_discount", "Crescent Medical")]
    assert "Crescent Medical" in turn.reply and "Medical Device Monitor" not in turn.reply
    assert changed(tessera, before) == {}


def _won_this_month(store, login: str) -> Decimal:
    with store.session() as s:
        owner = s.scalar(select(User.id).where(User.login == login))
        return s.scalar(select(func.coalesce(func.sum(Deal.amount), 0)).where(
            Deal.owner_id == owner, Deal.stage == "won", Deal.closed_on >= dt.date(2026, 11, 1),
            Deal.closed_on <= dt.date(2026, 11, 30)))


def test_a_reps_own_figures_are_hers_not_her_units(tessera):
    before = business(tessera.store)
    turn = tessera.chat("wang.fang", "mine", "我这个月完成了多少业绩")
    [call] = turn.tool_calls
    assert call["name"] == "query_metrics" and call["args"]["filters"] == {"rep": ["mine"]}
    assert call["args"]["metrics"] == ["won_value"] and call["args"]["period"]["start"] == "2026-11-01"
    own = _won_this_month(tessera.store, "wang.fang")
    with tessera.store.session() as s:  # her unit won more than she did, so the figure tells the two apart
        unit = s.scalar(select(User.unit_id).where(User.login == "wang.fang"))
        unit_won = s.scalar(select(func.coalesce(func.sum(Deal.amount), 0)).where(
            Deal.unit_id == unit, Deal.stage == "won", Deal.closed_on >= dt.date(2026, 11, 1)))
    assert unit_won > own
    assert f"{float(own) / 10000:.1f}万" in turn.reply or (own == 0 and "没有" in turn.reply), turn.reply
    calls = tessera.chat("wang.fang", "calls", "how many calls did I make this week")
    assert [c["args"].get("filters") for c in calls.tool_calls] == [{"rep": ["mine"], "channel": ["call"]}]
    visited = tessera.chat("wang.fang", "visits", "我上周拜访了几个客户？")
    [call] = visited.tool_calls
    assert call["args"]["count_groups"] is True and call["args"]["group_by"] == ["account"]
    assert changed(tessera, before) == {}


def test_the_biggest_deal_closing_before_christmas_leads_the_list(tessera):
    turn = tessera.chat("wang.fang", "xmas", "圣诞节前我最有可能签下的最大单子是哪个？")
    [call] = turn.tool_calls
    assert call["name"] == "find_deals" and call["args"]["owner"] == "me" and call["args"]["biggest_first"] is True
    assert (call["args"]["period"]["start"], call["args"]["period"]["end"]) == ("2026-11-26", "2026-12-25")
    assert "D-1871" in turn.reply
    with tessera.store.session() as s:
        rows, total, _ = find_deals(s, tessera.actor("emma.chen"), owner="me", open_only=True, biggest_first=True,
                                    today=TODAY)
    amounts = [float(r["amount"]) for r in rows]
    assert total > 2 and amounts == sorted(amounts, reverse=True)


def test_raising_an_accounts_amount_asks_which_deal_then_changes_only_that_one(tessera):
    before = business(tessera.store)
    asked = tessera.chat("li.wei", "raise", "raise Acme's amount by 10%")
    assert not asked.tool_calls and "(1) D-2017" in asked.reply and "(2) D-2056" in asked.reply
    assert changed(tessera, before) == {}
    done = tessera.chat("li.wei", "raise", "the second one")
    if done.confirmation:
        done = tessera.chat("li.wei", "raise", "yes")
    assert [c["name"] for c in done.tool_calls][-1] == "update_deal"
    assert changed(tessera, before) == {"deals": {(2056,)}}
    with tessera.store.session() as s:
        assert s.get(Deal, 2056).amount == Decimal("918456.00") and s.get(Deal, 2017).amount == Decimal("330048.00")


def test_by_a_day_ahead_is_from_today_to_that_day():
    said = {f.surface: f.value for f in find_periods("deals closing before Christmas, or by 20 December", TODAY)}
    assert said["before Christmas"] == {"start": "2026-11-26", "end": "2026-12-25", "label": "by 2026-12-25"}
    assert said["by 20 December"]["end"] == "2026-12-20"
    [zh] = find_periods("圣诞节前", TODAY)
    assert (zh.value["start"], zh.value["end"]) == ("2026-11-26", "2026-12-25")
    [past] = find_periods("before 3 November", TODAY)  # a day gone by is that day, not a span back to today
    assert past.value["start"] == past.value["end"] == "2026-11-03"
