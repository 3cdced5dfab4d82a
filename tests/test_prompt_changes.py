"""A prompt engineer asks what changed in the prompts over a period ("which prompts were changed this week?",
"上个月改过哪些提示词"): the versions written and labels moved in it, newest first; a period with none says so and
names the last change before it; asking never moves a label."""
from __future__ import annotations

import pytest

from evals.state import business_fingerprint, written_tables
from tests.conftest import FIXED_NOW
from tests.test_prompt_tools import call, labels_of

WEEK_OF_THE_EVAL = {"start": "2026-11-23", "end": "2026-11-29"}  # FIXED_NOW is Thursday 26 November 2026


def test_changes_in_a_week_are_the_versions_written_and_labels_moved_in_it_newest_first(tessera):
    result = call(tessera, "pe.morgan", "list_prompts", {"changed_in": WEEK_OF_THE_EVAL})
    assert [(i["prompt"], i["change"], i["by"]) for i in result["items"]] == [
        ("supervisor", "v2 written", "pe.morgan"), ("supervisor", "staging unset → v2", "pe.morgan"),
        ("sales", "v3 written", "pe.sun"), ("sales", "staging unset → v3", "pe.sun")]
    assert "answer" not in result


def test_a_period_without_changes_says_so_and_names_the_last_change_before_it(tessera):
    result = call(tessera, "pe.morgan", "list_prompts", {"changed_in": {"start": "2026-11-15", "end": "2026-11-20"},
                                                     "prompt": "privacy"})
    assert result["items"] == []
    assert result["answer"] == ("The privacy prompt did not change from 2026-11-15 to 2026-11-20. The last change "
                                "before it: privacy v2 written by pe.morgan on 2026-11-14 09:00.")


def test_the_overview_says_when_each_prompt_last_changed(tessera):
    rows = {i["prompt"]: i["last change"] for i in call(tessera, "pe.sun", "list_prompts", {})["items"]}
    assert rows["sales"] == "2026-11-24 09:00" and rows["privacy"] == "2026-11-14 09:00" and rows["analyst"] == "file"


@pytest.mark.parametrize("login, message, start, end", [
    ("pe.sun", "which prompts were changed this week?", "2026-11-23", "2026-11-29"),
    ("pe.morgan", "这个月有人改过提示词吗？", "2026-11-01", "2026-11-30"),
    ("pe.sun", "上个月改过哪些提示词？", "2026-10-01", "2026-10-31"),
    ("pe.morgan", "anything new in the supervisor prompt since Monday?", "2026-11-23", "2026-11-26"),
])
def test_asking_what_changed_in_a_period_lists_those_changes_and_moves_no_label(tessera, login, message, start, end):
    before, labels = business_fingerprint(tessera.store), labels_of(tessera.store)
    turn = tessera.chat(login, "c", message)
    assert [c["name"] for c in turn.tool_calls] == ["list_prompts"], turn.reply
    period = turn.tool_calls[0]["args"]["changed_in"]
    assert (period["start"], period["end"]) == (start, end)
    assert labels_of(tessera.store) == labels and written_tables(before, business_fingerprint(tessera.store)) == []


@pytest.mark.parametrize("message, tool", [
    ("promote the newest sales version to production this week", "promote_prompt_version"),
    ("show me every version of the sales prompt", "list_prompts"),
    ("what changed between v2 and v3 of the sales prompt last week?", "diff_prompt_versions"),
])
def test_a_period_alone_does_not_turn_other_prompt_requests_into_a_change_list(tessera, message, tool):
    turn = tessera.chat("pe.sun", "c", message)
    assert [c["name"] for c in turn.tool_calls] == [tool], turn.reply
    assert "changed_in" not in turn.tool_calls[0]["args"]


def test_changes_are_worded_in_the_prompt_engineers_language(tessera):
    week = call(tessera, "pe.sun", "list_prompts", {"changed_in": WEEK_OF_THE_EVAL})  # 孙 reads Chinese
    assert [i["change"] for i in week["items"]][:2] == ["新版本 v2", "staging：未设置 → v2"]
    none = call(tessera, "pe.sun", "list_prompts", {"changed_in": {"start": "2026-10-01", "end": "2026-10-31"}})
    assert none["answer"] == "2026-10-01 至 2026-10-31 期间提示词没有改动。"
