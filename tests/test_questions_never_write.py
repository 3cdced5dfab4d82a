"""A question never writes, whichever model read it: a write tool called for a question, a what-if or a rule in
words waits for the user's own yes, and nothing is written before it.

The model is scripted through LiteLLM, as a real LLM's misreading would arrive; the guard is in the graph
(agents/confirmation.py, crm/mood.py), not in a prompt."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.models import Activity
from crm.privacy.models import ConsentRecord
from tessera.runtime import Tessera
from tests.security.erasure_support import changed_rows, snapshot

# Written by any turn: its trace, the paused request and its answer, the audit chain, the turn journal.
BOOKKEEPING = {"undo_log", "turn_traces", "pending_approvals", "privacy_audit_log", "turns_in_flight", "idempotent_turns"}
LOG_A_CALL = {"name": "log_activity", "args": {"account": "Acme Robotics", "kind": "call", "subject": "renewal"}}


@pytest.fixture
def app(scripted_app) -> Tessera:
    return scripted_app


def activities(app: Tessera) -> int:
    with app.store.session() as s:
        return s.scalar(select(func.count()).select_from(Activity))


@pytest.mark.parametrize("question, lead", [
    ("did I log a call with Acme Robotics about the renewal?", "That reads as a question, so nothing was written."),
    ("what happens if I log a call with Acme Robotics?", "You asked what would happen, so nothing was written."),
    ("whenever Acme Robotics calls, log it automatically", "That describes a rule"),
])
def test_a_write_called_for_a_question_is_not_carried_out_and_waits_for_a_yes(app, scripted, question, lead):
    before = snapshot(app.store)
    scripted.enqueue({"tool_calls": [LOG_A_CALL]})
    asked = app.chat("li.wei", "q", question)
    assert asked.confirmation["tool"] == "log_activity" and asked.confirmation["plan"]["asked_as"] != "request"
    assert asked.reply.startswith(lead) and "log_activity (account: Acme Robotics" in asked.reply
    assert set(changed_rows(before, snapshot(app.store))) <= BOOKKEEPING

    scripted.enqueue({"content": "Here are Acme's deals."})
    app.chat("li.wei", "q", "show me Acme's deals instead")  # not a yes: the plan is dropped
    assert set(changed_rows(before, snapshot(app.store))) <= BOOKKEEPING


def test_the_user_may_still_say_yes_to_the_write_the_question_suggested(app, scripted):
    count = activities(app)
    scripted.enqueue({"tool_calls": [LOG_A_CALL]})
    assert app.chat("li.wei", "q", "should I log the Acme Robotics call?").confirmation
    assert activities(app) == count
    scripted.enqueue({"content": "Logged."})
    done = app.chat("li.wei", "q", "yes")
    assert activities(app) == count + 1 and "Say 'undo'" in done.reply  # a plain write stays undoable


def test_a_request_writes_at_once_without_a_question_in_between(app, scripted):
    count = activities(app)
    for n, request in enumerate(["log a call with Acme Robotics about the renewal",
                                 "can you log a call with Acme Robotics about the renewal?"], 1):
        scripted.enqueue({"tool_calls": [LOG_A_CALL]}, {"content": "Logged."})
        turn = app.chat("li.wei", f"r{n}", request)
        assert turn.confirmation is None and activities(app) == count + n


def test_a_customers_chinese_question_never_revokes_a_consent_and_is_answered_in_chinese(app, scripted):
    def consents() -> list:
        with app.store.session() as s:
            return [(c.contact_id, c.category, c.purpose, c.granted) for c in s.scalars(select(ConsentRecord))]

    before, rows = snapshot(app.store), consents()
    scripted.enqueue({"tool_calls": [{"name": "revoke_consent", "args": {"what": "AI training"}}]})
    asked = app.chat("cust.chen.jing", "q", "我的数据会被用来训练AI吗？")
    assert asked.confirmation["tool"] == "revoke_consent"
    assert asked.reply.startswith("这听起来是一个问题，所以没有写入任何内容。") and "回复“确认”" in asked.reply
    assert app.chat("cust.chen.jing", "q", "不").reply == "已取消，没有做任何更改。"
    assert consents() == rows and set(changed_rows(before, snapshot(app.store))) <= BOOKKEEPING
