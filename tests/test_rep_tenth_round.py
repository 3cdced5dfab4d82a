"""Reps' requests of session 10 through the offline model, end to end on the seeded store, each checked against what
must stay unchanged: a share given in a statement about a discount ("put in a 3% discount request for Globex
Logistics") asks for a discount (which deal, when the account has two), while the same share in a question reads the
decisions taken; "看看" after going somewhere ("派人上门看一下") is what the one sent does, so a fault told with it
opens a case, while "帮我看看…" still reads."""
from __future__ import annotations

from llm.offline.fit import asks
from tests.test_rep_seventh_round import business, changed


def test_look_after_going_somewhere_is_no_show_me():
    assert not asks("华润新材料的设备坏了，麻烦派人上门看一下")
    assert not asks("客户的机器出故障了，派个工程师过去看看")
    assert asks("帮我看看华润新材料的概况")
    assert asks("给我看看Acme Robotics这个客户的情况")


def test_a_discount_request_with_a_share_asks_which_deal_and_writes_nothing_until_answered(tessera):
    before = business(tessera.store)
    asked = tessera.chat("wang.fang", "file", "put in a 3% discount request for Globex Logistics")
    assert not asked.tool_calls and "(1) D-1905" in asked.reply, asked.reply
    assert changed(tessera, before) == {}


def test_the_same_share_in_a_question_reads_the_decisions_and_writes_nothing(tessera):
    before = business(tessera.store)
    turn = tessera.chat("wang.fang", "was", "was my 3% discount request for Globex Logistics approved?")
    assert [c["name"] for c in turn.tool_calls] == ["discount_decisions"], turn.tool_calls
    assert changed(tessera, before) == {}


def test_a_fault_with_someone_sent_to_look_opens_a_case_for_that_account_only(tessera):
    before = business(tessera.store)
    turn = tessera.chat("wang.fang", "fault", "华润新材料的设备坏了，麻烦派人上门看一下")
    assert [c["name"] for c in turn.tool_calls] == ["open_case"], turn.tool_calls
    assert "坏了" in turn.tool_calls[0]["args"]["text"]
    assert set(changed(tessera, before)) <= {"cases"}, changed(tessera, before).keys()
