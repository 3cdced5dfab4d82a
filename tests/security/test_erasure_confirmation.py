"""Erasure is never triggered by a question: the plan is shown first and nothing is written without the
customer's explicit yes. The tool's plan function is side-effect free (checked here on every table); in chat the
graph's generic confirmation (ToolSpec.confirm, brief decision 2) pauses before the tool runs."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.privacy.models import SubjectRequest
from tessera.runtime import TurnResult
from tests.conftest import FIXED_NOW
from tests.privacy_support import privacy_dir, ptessera  # noqa: F401
from tests.security.erasure_support import changed_rows, snapshot
from tools.base import ToolContext
from tools.registry import ALL

ERASE = ALL["erase_my_data"]


def erase_requests(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(SubjectRequest).where(SubjectRequest.kind == "erase"))


@pytest.mark.parametrize("words", ["What happens if I delete my account?", "删除我的全部数据", "我的购买记录"])
def test_the_plan_shown_for_a_request_or_a_question_writes_nothing(ptessera, words):
    ctx = ToolContext(store=ptessera.store, actor=ptessera.actor("cust.chen.jing"), clock=lambda: FIXED_NOW,
                      erasures=ptessera.erasures)
    before = snapshot(ptessera.store)
    plan = ERASE.confirm(ctx, ERASE.args(what=words))
    assert plan["summary"] and plan["changes"] and plan["undo"] is None and plan["kept"]
    assert snapshot(ptessera.store) == before and ptessera.erasures.drain() == []


def test_a_plan_confirmed_in_chat_erases_only_after_the_yes(ptessera):
    if "confirmation" not in TurnResult.__dataclass_fields__:
        pytest.skip("the graph's generic confirmation (branch agentflow) is not on this main yet")
    before = snapshot(ptessera.store)
    asked = ptessera.chat("cust.chen.jing", "q", "What happens if I delete my account?")
    if asked.confirmation is not None:  # the model read it as a request: the plan is shown, nothing more
        assert asked.confirmation["tool"] == "erase_my_data"
        ptessera.chat("cust.chen.jing", "q", "thanks, that is all I wanted to know")
    ptessera.erasures.drain()
    assert erase_requests(ptessera.store) == 0
    assert {t for t in changed_rows(before, snapshot(ptessera.store))} <= {"privacy_audit_log", "turn_traces",
                                                                           "pending_approvals"}

    paused = ptessera.chat("cust.chen.jing", "p", "请删除我的购买记录")
    assert paused.confirmation is not None and paused.confirmation["plan"]["scope"] == "user.behavior.purchase_history"
    assert erase_requests(ptessera.store) == 0
    ptessera.chat("cust.chen.jing", "p", "是的")
    [report] = ptessera.erasures.drain()
    assert report["erased"] == {"items in your data vault": 1}
