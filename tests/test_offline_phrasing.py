"""Tool results in words: lists as tables, records as key: value lines, errors plainly, in English or Chinese."""
from __future__ import annotations

import json

from llm.offline.phrasing import phrase_result


def phrase(result: dict, tool: str | None = None, lang: str = "en") -> str:
    return phrase_result(tool, json.dumps(result, ensure_ascii=False), lang)


def test_a_list_gets_a_lead_with_count_and_topic_and_an_aligned_table():
    text = phrase({"ok": True, "total": 2, "about": "in the east region", "items": [
        {"account": "Acme Robotics", "city": "上海"}, {"account": "北辰医疗器械", "city": "北京"}]})

    assert text.splitlines() == [
        "Found 2 results in the east region.",
        "account       | city",
        "--------------+-----",
        "Acme Robotics | 上海",
        "北辰医疗器械  | 北京",
    ]


def test_a_lists_lead_sentence_words_its_filters_in_the_readers_language():
    result = {"ok": True, "total": 8, "items": [{"deal": f"D-{i}"} for i in range(8)],
              "about": {"owner": "王芳", "idle_days": 14}}
    assert phrase(result, "find_deals").splitlines()[0] == "Found 8 deals owned by 王芳 with no activity for 14+ days."
    assert phrase(result, "find_deals", "zh").splitlines()[0] == "共找到 8 个商机（王芳负责，14 天以上无跟进）。"
    won = {**result, "about": {"account": "Acme Robotics", "stage": "won", "min_amount": 120000,
                               "closed": {"start": "2026-07-01", "end": "2026-09-30"}}}
    assert phrase(won, "find_deals").splitlines()[0] == ("Found 8 deals at Acme Robotics that were won of 120,000 or "
                                                         "more between 2026-07-01 and 2026-09-30.")
    assert phrase({**result, "about": {"account": "Acme Robotics", "stage": "negotiation"}}, "find_deals",
                  "zh").splitlines()[0] == "共找到 8 个商机（Acme Robotics，谈判阶段）。"
    none = phrase({"ok": True, "total": 0, "items": [], "about": {"deal": "D-301"}}, "discount_decisions")
    assert none.startswith("No discount decision is on record on D-301")


def test_a_long_list_shows_ten_rows_and_says_how_many_more():
    items = [{"deal": f"D-{i}"} for i in range(25)]
    text = phrase({"ok": True, "items": items, "total": 40, "about": "open"}, tool="find_deals")

    lines = text.splitlines()
    assert lines[0] == "Found 40 deals open." and len(lines) == 1 + 2 + 10 + 1
    assert lines[-1] == "… and 30 more."


def test_a_tool_lead_from_the_templates_in_chinese_and_an_empty_topic_is_tidied_away():
    text = phrase({"ok": True, "items": [{"deal": "D-1"}, {"deal": "D-2"}], "total": 2}, tool="find_deals", lang="zh")
    assert text.splitlines()[0] == "共找到 2 个商机。"


def test_no_items_says_nothing_was_found():
    assert phrase({"ok": True, "items": [], "total": 0, "about": "for Acme Robotics"}, tool="find_deals") == (
        "No deals found for Acme Robotics.")


def test_a_record_is_key_value_lines_with_nested_values_compact():
    text = phrase({"ok": True, "about": "Acme Robotics", "record": {
        "owner": "li.wei", "pipeline": 560000.0, "tags": ["robotics", "east"],
        "recent": [{"kind": "call", "on": "2026-11-20"}], "consent": None}}, tool="account_summary")

    assert text.splitlines() == [
        "Summary of Acme Robotics:", "owner: li.wei", "pipeline: 560,000", "tags: robotics, east", "recent:",
        "  - kind=call, on=2026-11-20", "consent: —"]


def test_done_confirms_what_was_done_in_the_users_language():
    assert phrase({"ok": True, "done": "call logged on Acme Robotics"}, tool="log_activity") == (
        "Logged: call logged on Acme Robotics")
    assert phrase({"ok": True, "done": "已为北辰医疗器械创建工单 C-12"}, tool="open_case", lang="zh") == (
        "已创建工单：已为北辰医疗器械创建工单 C-12")


def test_an_error_is_said_plainly_and_its_candidates_are_numbered():
    text = phrase({"ok": False, "error": "no account named 'Initech'", "candidates": ["Initech Retail", "Initrode"]})
    assert text.splitlines() == ["That did not work: no account named 'Initech'", "Which one did you mean?",
                                 "1. Initech Retail", "2. Initrode"]


def test_an_unknown_shape_or_plain_text_is_shown_as_it_is():
    assert phrase({"ok": True, "warning": "stale data"}) == "warning: stale data"
    assert phrase_result("x", "plain words", "en") == "plain words"


def test_no_activities_by_someone_says_logged_once():
    about = {"account": "Acme Robotics", "logged_by": "李伟", "activity_kind": "call"}
    text = phrase({"ok": True, "items": [], "total": 0, "about": about}, tool="find_activities")
    assert text == "No activities found at Acme Robotics logged by 李伟 (calls)."
    assert text.count("logged") == 1
    zh = phrase({"ok": True, "items": [], "total": 0, "about": about}, tool="find_activities", lang="zh")
    assert zh == "没有找到活动记录（Acme Robotics，李伟记录，电话）。"
