"""Saying not to do something never does it, whichever model read it: "don't log this", "不用记了", "hold off on
moving…", "never delete my data" write nothing, and an answer to a clarifying question ("the first one") keeps the
mood of the message the question was about. Found by an outside tester (issue 11): "don't log this, but I called
Mark Taylor about pricing" logged a call named "don't log this…"; "I wouldn't move the Acme deal to negotiation yet"
followed by "the first one" moved the deal."""
from __future__ import annotations

import pytest

from tessera.runtime import Tessera
from tests.security.erasure_support import changed_rows, snapshot

BOOKKEEPING = {"undo_log", "turn_traces", "pending_approvals", "privacy_audit_log", "turns_in_flight", "idempotent_turns"}
LOG_A_CALL = {"name": "log_activity", "args": {"account": "Acme Robotics", "kind": "call", "subject": "pricing"}}


def business_changes(app: Tessera, before: dict) -> set[str]:
    return set(changed_rows(before, snapshot(app.store))) - BOOKKEEPING


@pytest.mark.parametrize("login, message", [
    ("li.wei", "don't log this, but I called Mark Taylor about pricing"),
    ("li.wei", "不要记录这次通话，刚和周婷聊了续约"),
    ("li.wei", "刚和周婷开了个会，不用记录"),
    ("li.wei", "met Mark Taylor today, no need to log it"),
    ("li.wei", "hold off on moving D-2017 to negotiation"),
    ("li.wei", "do not mark D-2056 as won"),
    ("cust.he.min", "don't open a case, I just want to know how long repairs take"),
    ("cust.he.min", "never delete my data"),
    ("cust.li.na", "先不要撤回我的营销同意"),
    ("zhao.lei", "别批准D-2017的折扣"),
    # a request taken back in the same message
    ("li.wei", "mark D-2056 as won? no wait, don't"),
    ("li.wei", "move D-1925 to negotiation. actually, never mind"),
    ("wang.fang", "把D-1993推到谈判阶段，算了"),
])
def test_a_user_who_says_not_to_write_finds_nothing_written_and_no_plan_to_confirm(tessera, login, message):
    before = snapshot(tessera.store)
    turn = tessera.chat(login, "t", message)
    assert not turn.written and turn.confirmation is None and turn.approval is None
    assert business_changes(tessera, before) == set()


def test_an_answer_to_the_question_about_a_forbidden_move_moves_nothing(tessera):
    before = snapshot(tessera.store)
    tessera.chat("li.wei", "t", "I wouldn't move the Acme Robotics deal to negotiation yet")
    tessera.chat("li.wei", "t", "the first one")
    assert business_changes(tessera, before) == set()


@pytest.mark.parametrize("message", [
    "log a call with Mark Taylor: he asked us not to change the delivery date",  # the negation is what is logged
    "别忘了记一下今天和周婷的电话，聊了续约",  # "don't forget to log" asks for the log
    "log a call with Mark Taylor: he asked us to hold off, not yet",  # taken back in the note, not by the user
])
def test_a_negation_that_is_not_an_order_still_logs_at_once(tessera, message):
    turn = tessera.chat("li.wei", "t", message)
    assert [w["field"] for w in turn.written] == ["(created)"] and turn.confirmation is None


def test_an_llm_that_logs_what_the_rep_said_not_to_log_is_held_for_a_yes(scripted_app, scripted):
    before = snapshot(scripted_app.store)
    scripted.enqueue({"tool_calls": [LOG_A_CALL]})
    turn = scripted_app.chat("li.wei", "q", "don't log this, I called Mark Taylor about pricing")
    assert turn.confirmation["plan"]["asked_as"] == "prohibition"
    assert turn.reply.startswith("You said not to do it, so nothing was written.")
    assert business_changes(scripted_app, before) == set()


def test_an_answer_to_the_llms_question_keeps_the_mood_of_the_question_it_answers(scripted_app, scripted):
    before = snapshot(scripted_app.store)
    scripted.enqueue({"content": "Which call do you mean?"})
    scripted_app.chat("li.wei", "q", "should I log the Acme Robotics call?")
    scripted.enqueue({"tool_calls": [LOG_A_CALL]})
    answered = scripted_app.chat("li.wei", "q", "the pricing one")
    assert answered.confirmation["plan"]["asked_as"] == "question" and not answered.written
    assert business_changes(scripted_app, before) == set()


def test_an_answer_to_the_llms_question_about_a_request_still_writes_at_once(scripted_app, scripted):
    scripted.enqueue({"content": "Which account was the call with?"})
    scripted_app.chat("li.wei", "r", "log a call about pricing")
    scripted.enqueue({"tool_calls": [LOG_A_CALL]}, {"content": "Logged."})
    answered = scripted_app.chat("li.wei", "r", "Acme Robotics")
    assert answered.confirmation is None and answered.written


@pytest.mark.parametrize("message", ["what happens if I roll back the sales prompt?", "should I roll back the sales prompt?",
                                     "先别回滚销售提示词"])
def test_a_prompt_engineer_asking_about_a_rollback_gets_it_explained_and_no_plan(tessera, message):
    tessera.chat("pe.morgan", "p", "promote sales v2 to production")
    tessera.chat("pe.morgan", "p", "yes")  # production is on v2: a rollback could be planned now
    before = snapshot(tessera.store)
    turn = tessera.chat("pe.morgan", "q", message)
    assert turn.confirmation is None and not turn.tool_calls and not turn.written
    assert business_changes(tessera, before) == set()
