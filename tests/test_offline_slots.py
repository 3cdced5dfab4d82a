"""The offline model's value extractors: amounts, percentages, periods, dates, counts, enum words, free text."""
from __future__ import annotations

import datetime as dt

import pytest

from llm.offline.arguments import fill
from llm.offline.dates import find_dates, find_periods
from llm.offline.lexicon import Lexicon
from llm.offline.numbers import find_amounts, find_integers, find_percents, parse_cn_int
from llm.offline.reading import Reading
from llm.offline.schema import parse_tools

TODAY = dt.date(2026, 11, 26)  # a Thursday in Q4


def first(found: list):
    assert found, "nothing found"
    return found[0].value


@pytest.mark.parametrize(("text", "amount"), [
    ("报价10万", 100_000), ("¥50,000", 50_000), ("budget is $5k", 5_000), ("2.5 million dollars", 2_500_000),
    ("5000元", 5_000), ("三万", 30_000), ("预算三万五千元", 35_000), ("一万五", 15_000), ("1.2亿", 120_000_000),
    ("a deal worth 120000", 120_000), ("€3m", 3_000_000),
])
def test_amounts_in_english_and_chinese(text, amount):
    assert first(find_amounts(text)) == amount


@pytest.mark.parametrize("text", ["in 2026", "30 days", "三百个客户", "打八五折", "15%", "Q3", "3月5日"])
def test_years_counts_discounts_and_dates_are_not_money(text):
    assert find_amounts(text) == []


def test_a_marked_amount_is_preferred_to_a_bare_number():
    found = find_amounts("deal 7 for Acme, about 50k")
    assert [(f.value, f.strength) for f in found] == [(7, 1), (50_000, 2)]


@pytest.mark.parametrize(("text", "percent"), [
    ("15%", 15), ("give them 15 percent off", 15), ("百分之十五", 15), ("打八五折", 15), ("八折", 20),
    ("9.5折", 5), ("85折", 15), ("12.5％", 12.5),
])
def test_percentages_and_chinese_discounts(text, percent):
    assert first(find_percents(text)) == percent


@pytest.mark.parametrize(("numeral", "value"), [("十五", 15), ("一百零五", 105), ("两千五", 2500), ("三百五十万", 3_500_000)])
def test_chinese_numerals(numeral, value):
    assert parse_cn_int(numeral) == value


def test_integers_in_digits_chinese_and_english_words():
    assert [f.value for f in find_integers("top 5 deals, 前三个, twelve")] == [5, 3, 12]


@pytest.mark.parametrize(("text", "start", "end"), [
    ("上季度", "2026-07-01", "2026-09-30"), ("last quarter", "2026-07-01", "2026-09-30"),
    ("this quarter", "2026-10-01", "2026-12-31"), ("本季度", "2026-10-01", "2026-12-31"),
    ("this month", "2026-11-01", "2026-11-30"), ("本月", "2026-11-01", "2026-11-30"),
    ("last month", "2026-10-01", "2026-10-31"), ("上个月", "2026-10-01", "2026-10-31"),
    ("this year", "2026-01-01", "2026-12-31"), ("今年", "2026-01-01", "2026-12-31"),
    ("last year", "2025-01-01", "2025-12-31"), ("去年", "2025-01-01", "2025-12-31"),
    ("Q3 2026", "2026-07-01", "2026-09-30"), ("2026年第三季度", "2026-07-01", "2026-09-30"),
    ("2026年3月", "2026-03-01", "2026-03-31"), ("March 2026", "2026-03-01", "2026-03-31"),
    ("last 30 days", "2026-10-28", "2026-11-26"), ("最近30天", "2026-10-28", "2026-11-26"),
    ("最近三个月", "2026-08-27", "2026-11-26"), ("明年一季度", "2027-01-01", "2027-03-31"),
    ("2026 so far", "2026-01-01", "2026-11-26"), ("今年以来", "2026-01-01", "2026-11-26"),
    ("this week", "2026-11-23", "2026-11-29"), ("上周", "2026-11-16", "2026-11-22"),
    ("11月份", "2026-11-01", "2026-11-30"), ("yesterday", "2026-11-25", "2026-11-25"),
    ("since 2026-03-01", "2026-03-01", "2026-11-26"),
    ("since Monday", "2026-11-23", "2026-11-26"), ("自周一以来", "2026-11-23", "2026-11-26"),  # TODAY is a Thursday
    ("since Thursday", "2026-11-26", "2026-11-26"),
])
def test_periods_relative_to_today(text, start, end):
    period = first(find_periods(text, TODAY))
    assert (period["start"], period["end"]) == (start, end)
    assert period["label"]


def test_a_period_inside_a_sentence_is_found_with_its_words():
    [found] = find_periods("北辰上季度的商机", TODAY)
    assert (found.surface, found.value["label"]) == ("上季度", "2026-Q3")


@pytest.mark.parametrize(("text", "day"), [
    ("yesterday", "2026-11-25"), ("昨天", "2026-11-25"), ("tomorrow", "2026-11-27"), ("明天", "2026-11-27"),
    ("2026-03-01", "2026-03-01"), ("3月5日", "2026-03-05"), ("next Monday", "2026-11-30"), ("下周一", "2026-11-30"),
    ("this Friday", "2026-11-27"), ("周五", "2026-11-27"), ("in 3 days", "2026-11-29"), ("三天后", "2026-11-29"),
    ("March 5", "2026-03-05"), ("5 March 2026", "2026-03-05"), ("后天", "2026-11-28"),
])
def test_dates_relative_to_today(text, day):
    assert first(find_dates(text, TODAY)) == day


@pytest.mark.parametrize(("text", "day", "period"), [
    ("remind me end of next week", "2026-12-04", ("2026-11-30", "2026-12-06")),  # the working week's Friday
    ("by the end of this month", "2026-11-30", ("2026-11-01", "2026-11-30")),
    ("下个月底之前", "2026-12-31", ("2026-12-01", "2026-12-31")),
    ("月底前给我", "2026-11-30", None),
])
def test_the_end_of_a_week_or_month_is_a_due_day_and_leaves_the_period_whole(text, day, period):
    assert first(find_dates(text, TODAY)) == day
    found = find_periods(text, TODAY)
    assert (found[0].value["start"], found[0].value["end"]) == period if period else not found


@pytest.mark.parametrize("text", ["我手上现在有多少单子", "我在跟的商机列一下", "show me my pipeline"])
def test_deals_in_my_hands_are_the_callers_own(text):
    [view] = _tool({"owner": {"type": "string", "x-entity": "user"}})
    assert fill(view, Reading(text, Lexicon(), TODAY)).args.get("owner") == "me"


def test_a_mixed_language_task_keeps_its_words():
    [view] = _tool({"what": {"type": "string", "x-slot": "free_text"}, "day": {"type": "string", "x-slot": "date"},
                    "contact": {"type": "string", "x-entity": "contact"}},
                   examples=("remind me tomorrow to call Mark", "remind me to send the quote"))
    lexicon = Lexicon({"contact": ["梁杰", "Mark Wong"]})
    for text, what in [("remind me Monday to send 梁杰 the contract", "send 梁杰 the contract"),
                       ("remind me Monday to send Mark Wong the contract", "send Mark Wong the contract")]:
        args = fill(view, Reading(text, lexicon, TODAY)).args
        assert (args.get("what"), args["day"]) == (what, "2026-11-30")


def test_a_reminders_own_words_go_and_a_verb_like_a_preposition_stays():
    [view] = _tool({"what": {"type": "string", "x-slot": "free_text"}, "day": {"type": "string", "x-slot": "date"}})
    said = {text: fill(view, Reading(text, Lexicon(), TODAY)).args.get("what") for text in [
        "set a reminder for Dec 3rd to chase Contoso about the quote", "帮我建个提醒，下周三跟进联创新能源的合同"]}
    assert list(said.values()) == ["chase Contoso about the quote", "跟进联创新能源的合同"]


def test_a_word_ending_in_a_prepositions_character_keeps_it():
    [view] = _tool({"what": {"type": "string", "x-slot": "free_text"}})
    assert fill(view, Reading("下周三跟进联创的合同", Lexicon(), TODAY)).args["what"].endswith("合同")
    assert fill(view, Reading("记一下刚才给王总打电话跟", Lexicon(), TODAY)).args["what"].endswith("电话")


def test_a_capitalised_word_of_a_product_is_no_unknown_account():
    lexicon = Lexicon({"product": ["Smart POS Terminal"]})
    assert [g.value for g in Reading("they need the POS quote by fri", lexicon, TODAY).name_guesses()] == []
    assert [g.value for g in Reading("they need the Contoso quote", lexicon, TODAY).name_guesses()] == ["Contoso"]


def _tool(properties: dict, required: tuple = (), examples: tuple = ("log a call", "log a meeting")) -> list:
    description = "Log something.\n\nExamples:\n" + "\n".join(f"- {e}" for e in examples)
    return parse_tools([{"type": "function", "function": {"name": "t", "description": description, "parameters": {
        "type": "object", "properties": properties, "required": list(required)}}}])


STAGE = {"type": "string", "enum": ["lead", "qualified", "proposal", "negotiation", "won", "lost"]}
KIND = {"type": "string", "enum": ["call", "meeting", "email", "note"]}


@pytest.mark.parametrize(("text", "stage"), [
    ("deals in negotiation", "negotiation"), ("谈判阶段的商机", "negotiation"), ("赢单的项目", "won"),
    ("已经签约了", "won"), ("丢单了", "lost"), ("报价阶段", "proposal"), ("closed won", "won"),
    ("from proposal to negotiation", "negotiation"), ("客户确认需求了，推到报价阶段", "proposal"),
])
def test_enum_values_are_read_from_their_bilingual_synonyms(text, stage):
    [view] = _tool({"stage": STAGE})
    assert fill(view, Reading(text, Lexicon(), TODAY)).args == {"stage": stage}


@pytest.mark.parametrize(("text", "kind"), [("打电话给客户", "call"), ("拜访了北辰", "meeting"), ("sent an email", "email"),
                                           ("添加备注", "note"), ("had a meeting", "meeting")])
def test_activity_kinds(text, kind):
    [view] = _tool({"kind": KIND})
    assert fill(view, Reading(text, Lexicon(), TODAY)).args["kind"] == kind


def test_arguments_are_coerced_to_the_declared_types():
    [view] = _tool({"amount": {"type": "integer", "x-slot": "amount"}, "discount": {"type": "number", "x-slot": "percent"},
                    "period": {"type": "string", "x-slot": "period"}, "top": {"type": "integer"}})
    args = fill(view, Reading("top 5 deals above 2.5万 with 12.5% off last quarter", Lexicon(), TODAY)).args
    assert args == {"amount": 25_000, "discount": 12.5, "period": "2026-07-01/2026-09-30", "top": 5}


def test_free_text_is_what_follows_the_command_words_and_names():
    lexicon = Lexicon.from_names(account=["Acme Robotics", "北辰医疗器械"])
    [view] = _tool({"account": {"type": "string", "x-entity": "account"}, "kind": KIND,
                    "note": {"type": "string", "x-slot": "free_text"}}, ("account",))
    notes = {text: fill(view, Reading(text, lexicon, TODAY)).args.get("note") for text in [
        "log a call with Acme: they want a demo next week",
        "log a call with Acme, they want a demo next week",
        "给北辰打了电话，讨论了续约价格和交付时间",
        "log a call with Acme",
    ]}
    assert notes == {
        "log a call with Acme: they want a demo next week": "they want a demo next week",
        "log a call with Acme, they want a demo next week": "they want a demo next week",
        "给北辰打了电话，讨论了续约价格和交付时间": "讨论了续约价格和交付时间",
        "log a call with Acme": None,  # an optional note is left out rather than filled with the command
    }


def test_a_required_text_keeps_the_customers_words_whole():
    [view] = _tool({"text": {"type": "string", "x-slot": "free_text"}}, ("text",), ("open a case", "open a ticket"))
    message = "Our edge gateways were promised for last week and still haven't arrived. This is unacceptable."
    assert fill(view, Reading(message, Lexicon(), TODAY)).args == {"text": message}
    assert [p.name for p in fill(view, Reading("open a case", Lexicon(), TODAY)).missing] == ["text"]


def test_an_industry_is_read_from_its_open_vocabulary():
    [view] = _tool({"industry": {"type": "string", "description": "industry, e.g. retail"}})
    assert fill(view, Reading("做制造业的客户", Lexicon(), TODAY)).args == {"industry": "manufacturing"}
    assert fill(view, Reading("pull up the medical devices customers", Lexicon(), TODAY)).args == {
        "industry": "medical devices"}


@pytest.mark.parametrize(("text", "what"), [
    ("also remind me Thursday to send the proposal", "send the proposal"),
    ("then create a task for Friday to call Mark about the renewal", "call Mark about the renewal"),
])
def test_a_follow_up_messages_opening_word_is_no_part_of_the_task(text, what):
    """"and set a reminder…" once made the task "And set a reminder for to send it": the opening word kept the
    command words in."""
    from tools.registry import ALL
    from tools.schema import openai_tool

    [view] = parse_tools([openai_tool(ALL["create_task"])])
    assert fill(view, Reading(text, Lexicon(), TODAY)).args["what"] == what
