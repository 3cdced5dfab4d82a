"""Closing or reopening a support case in chat: the rep's own unit's case changes after a yes, and nothing else does;
another unit's rep and a customer are refused; a question about a case closes nothing."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from crm.models import Account, Case
from tests.conftest import FIXED_NOW
from tessera.runtime import Tessera
from tools.base import ToolContext
from tools.registry import ALL


def call(tessera: Tessera, login: str, **args) -> dict:
    ctx = ToolContext(store=tessera.store, actor=tessera.actor(login), clock=lambda: FIXED_NOW)
    return ALL["change_case_status"].invoke(ctx, args)


def cases(tessera: Tessera) -> dict[int, tuple]:
    with tessera.store.session() as s:
        return {c.id: (c.status, c.closed_at) for c in s.scalars(select(Case))}


def open_case_of_unit(tessera: Tessera, unit: int) -> int:
    with tessera.store.session() as s:
        return s.scalar(select(Case.id).join(Account, Account.id == Case.account_id)
                        .where(Account.unit_id == unit, Case.status == "open").order_by(Case.id).limit(1))


def test_closing_a_case_in_chat_asks_first_then_changes_that_case_and_no_other(tessera):
    case = open_case_of_unit(tessera, 1)
    before = cases(tessera)
    asked = tessera.chat("li.wei", "t", f"close case C-{case}")
    assert [c["name"] for c in asked.tool_calls] == ["change_case_status"], asked.reply
    assert asked.confirmation["tool"] == "change_case_status" and cases(tessera) == before  # the plan, nothing yet
    tessera.chat("li.wei", "t", "yes")
    after = cases(tessera)
    assert after[case][0] == "closed" and after[case][1] is not None
    assert {k: v for k, v in after.items() if k != case} == {k: v for k, v in before.items() if k != case}


def test_reopening_a_closed_case_clears_its_close_date(tessera):
    case = open_case_of_unit(tessera, 1)
    assert call(tessera, "li.wei", case=f"C-{case}", status="closed")["ok"]
    assert cases(tessera)[case][1] is not None
    reopened = call(tessera, "li.wei", case=f"工单C-{case}", status="open")
    assert reopened["ok"] and cases(tessera)[case] == ("open", None)


def test_a_rep_of_another_unit_and_a_customer_are_refused_and_nothing_changes(tessera):
    case = open_case_of_unit(tessera, 1)
    before = cases(tessera)
    other = call(tessera, "wang.fang", case=f"C-{case}", status="closed")
    assert not other["ok"] and other["error_kind"] == "other_unit_case"
    customer = call(tessera, "cust.mark.taylor", case=f"C-{case}", status="closed")
    assert not customer["ok"] and customer["error_kind"] == "customer_case_status"
    planned = ALL["change_case_status"].plan(ToolContext(store=tessera.store, actor=tessera.actor("wang.fang"),
                                                         clock=lambda: FIXED_NOW), {"case": f"C-{case}"})
    assert not planned["ok"]  # refused before any plan is shown
    assert cases(tessera) == before


def test_a_question_about_a_case_closes_nothing(tessera):
    case = open_case_of_unit(tessera, 1)
    before = cases(tessera)
    for words in (f"is C-{case} still open?", f"工单C-{case}关闭了吗？", f"what happens if I close C-{case}?"):
        turn = tessera.chat("li.wei", words, words)
        assert cases(tessera) == before, words


def test_no_case_id_is_asked_for_in_chinese_too(tessera):
    said = call(tessera, "li.wei", case="the broken scanner one")
    assert not said["ok"] and said["error_kind"] == "needs_case_id"
    missing = call(tessera, "li.wei", case="C-999999")
    assert not missing["ok"] and missing["error_kind"] == "no_case"
