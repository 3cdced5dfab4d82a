"""A turn speaks the language of the user's words, not of the names they mention (crm/language.py and its users)."""
from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from agents.confirmation import language_of as turn_language
from agents.written import written_note
from crm.language import language_of, name_in, name_sides
from llm.offline.text import language_of as offline_language


@pytest.mark.parametrize("text", [
    "Log a meeting with 吴刚 at 海天电子: they want a quote for 200 units by Friday",
    "log a call with 北辰医疗器械 about the renewal",
    "Call 北辰医疗器械",
    "remind me to call 陈静 next Tuesday about the renewal",
    "吴刚 called about the quote",
    "show me the deals of 中科化工",
])
def test_an_english_sentence_naming_chinese_names_is_english(text):
    assert language_of(text) == "en"
    assert offline_language(text) == "en"


@pytest.mark.parametrize("text", [
    "看一下Acme Robotics的商机",
    "记录一下今天给Acme Robotics的Mark Taylor打了电话，他们想要报价",
    "给Acme Robotics打电话",
    "帮我查一下 Acme 的 deals",
    "Acme Robotics概况",
    "提醒我下周二给王芳打电话谈续约",
])
def test_a_chinese_sentence_naming_latin_names_is_chinese(text):
    assert language_of(text) == "zh"


def test_one_script_alone_decides_and_an_empty_message_keeps_the_fallback():
    assert language_of("你好") == "zh"
    assert language_of("hello") == "en"
    assert language_of("D-1925", fallback="zh") == "zh"  # no words: the user's own language
    assert language_of("", fallback="zh") == "zh"


def test_the_written_line_follows_the_sentence_not_the_account_name():
    messages = [HumanMessage("Log a meeting with 吴刚 at 海天电子: they want a quote for 200 units by Friday")]
    lang = turn_language(messages, "zh")
    line = written_note([{"record": "A-1", "field": "created", "old": None, "new": "quote"}], [7], lang)
    assert lang == "en" and line.startswith("Written:") and "撤销" not in line


def test_an_english_request_with_chinese_names_is_answered_in_english_through_the_graph(tessera):
    turn = tessera.chat("emma.chen", "lang", "Log a meeting with 吴刚 at 海天电子: they want a quote for 200 units by Friday")
    assert [c["name"] for c in turn.tool_calls] == ["log_activity"]
    assert "Written:" in turn.reply and "Say 'undo'" in turn.reply
    assert "已写入" not in turn.reply and "撤销" not in turn.reply


def test_a_chinese_request_with_english_names_is_answered_in_chinese_through_the_graph(tessera):
    turn = tessera.chat("emma.chen", "lang", "记录一下今天给Acme Robotics的Mark Taylor打了电话，他们想要报价")
    assert [c["name"] for c in turn.tool_calls] == ["log_activity"]
    assert "已写入" in turn.reply and "Written:" not in turn.reply


def test_a_bilingual_name_gives_the_side_of_the_asked_language_and_a_plain_name_gives_itself():
    assert name_sides("East Enterprise / 华东大客户部") == ("East Enterprise", "华东大客户部")
    assert name_in("East Enterprise / 华东大客户部", "zh") == "华东大客户部"
    assert name_in("East Enterprise / 华东大客户部", "en") == "East Enterprise"
    assert name_sides("Acme Robotics") == ("Acme Robotics", "Acme Robotics")
    assert name_in("Acme Robotics", "zh") == "Acme Robotics"
