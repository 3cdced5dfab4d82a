"""Questions about budgets and limits ("is anyone close to their discount budget?", "折扣额度快用完了吗") go to the
units' boundary status (unit_status, ranked by budget), not to the discount depth of won deals."""
from __future__ import annotations

import pytest

from tests.security.erasure_support import changed_rows, snapshot


@pytest.mark.parametrize(("login", "text"), [
    ("zhao.lei", "Is anyone on my team close to their discount budget?"),
    ("olivia.wang", "are we running out of discount budget?"),
    ("zhao.lei", "我们团队的折扣额度快用完了吗？"),
    ("liang.yu", "各单元的折扣预算还剩多少"),
])
def test_a_budget_question_gets_the_units_budget_status(tessera, login, text):
    before = snapshot(tessera.store)
    turn = tessera.chat(login, "budget", text)
    assert [c["name"] for c in turn.tool_calls] == ["unit_status"], turn.reply
    assert turn.tool_calls[0]["args"].get("closest_by") == "budget"
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "privacy_audit_log"}


def test_the_average_discount_is_still_a_metric(tessera):
    turn = tessera.chat("zhao.lei", "discount", "what's our average discount this quarter?")
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"]
    assert turn.tool_calls[0]["args"]["metrics"] == ["discount_depth"]


def test_a_budget_broken_down_over_a_period_stays_a_metric(tessera):
    turn = tessera.chat("zhao.lei", "budget-metric", "what is our budget utilisation this quarter")
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"]


def test_a_managers_total_budget_is_the_sum_of_the_pools_of_their_units(tessera):
    """"What's my team's total budget?": a figure, the budget pools of the manager's region summed, not one unit's
    status."""
    from sqlalchemy import text

    from crm.metrics.answer import fmt

    turn = tessera.chat("zhao.lei", "total-budget", "What's my team's total budget?")
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"]
    with tessera.store.session() as s:
        total = s.execute(text("SELECT SUM(b.limit_amount) FROM budget_pools b JOIN sales_units u ON u.id = b.unit_id "
                               "WHERE u.region = 'east'")).scalar()
    assert fmt(float(total), "money", "en") in turn.reply.split("\n")[0]


@pytest.mark.parametrize(("login", "text", "language"), [
    ("olivia.wang", "每个部门离合同上限还有多少", "zh"),
    ("zhao.lei", "各单元离合同限额还有多远", "zh"),
    ("liang.yu", "how far is each team from its contract limits", "en"),
])
def test_each_units_distance_from_its_contract_is_the_units_status_named_in_the_askers_language(
        tessera, login, text, language):
    """No metric is named, only the contract's limits: the units' boundary status (it guessed a metric named
    "每个 离合同上限还有" and said there was none), the unit nearest its limit named as the asker speaks, not by its
    code."""
    from sqlalchemy import select

    from crm.models import SalesUnit

    before = snapshot(tessera.store)
    turn = tessera.chat(login, "contract-limits", text)
    assert [c["name"] for c in turn.tool_calls] == ["unit_status"], turn.reply
    with tessera.store.session() as s:
        names = [n.split(" / ")[1 if language == "zh" else 0] for n in s.scalars(select(SalesUnit.name))]
    head = turn.reply.split("\n")[0]
    assert any(n in head for n in names) and not any(code in head for code in ("east-", "north-", "south-")), head
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "privacy_audit_log"}
