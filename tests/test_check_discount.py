"""A rep asks "can we do 12%?" or "how much can I give?": the contract's answer, decided as a request would be, with
nothing requested, booked or applied; and the most it allows is the largest discount that a request gets through."""
from __future__ import annotations

import pytest

from tests.autonomy_support import LATER, call, clean, find_deal, units_dir, ustore  # noqa: F401
from tests.security.erasure_support import changed_rows, snapshot

UNIT = "east-enterprise"  # li.wei's unit: auto up to 6%, evidence above 5%, at most 15%, margin floor 22%


def test_checking_a_discount_gives_the_decision_a_request_would_get_and_writes_nothing(ustore):
    facts = find_deal(ustore, UNIT, 4, lambda f: clean(f) and f.new_margin > 0.25)
    before = snapshot(ustore)
    checked = call(ustore, "li.wei", "check_discount", deal=facts.deal, percent=4, promised_on=LATER.isoformat())
    assert checked["ok"] and checked["verdict"] == "accept", checked
    assert changed_rows(before, snapshot(ustore)) == {}  # no decision, no booking, the deal's amount as it was
    requested = call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=4, promised_on=LATER.isoformat())
    assert requested["outcome"] == "accept"
    assert checked["record"]["amount_after"] == pytest.approx(requested["record"]["amount_after"])


def test_a_rejected_discount_names_the_rule_and_the_most_that_would_pass(ustore):
    facts = find_deal(ustore, UNIT, 10, lambda f: clean(f) and f.new_margin < 0.22 and f.amount > f.cost / 0.78)
    checked = call(ustore, "li.wei", "check_discount", deal=facts.deal, percent=10, promised_on=LATER.isoformat())
    assert checked["verdict"] == "reject_most" and checked["values"]["rule"] == "outcome_limits.margin_floor"
    most = float(checked["values"]["most"].rstrip("%"))
    assert 0 < most < 10
    at_most = call(ustore, "li.wei", "check_discount", deal=facts.deal, percent=most, promised_on=LATER.isoformat())
    above = call(ustore, "li.wei", "check_discount", deal=facts.deal, percent=round(most + 0.2, 1),
                 promised_on=LATER.isoformat())
    assert at_most["verdict"] != "reject_most" and not at_most["verdict"].startswith("reject"), at_most
    assert above["verdict"].startswith("reject")  # the figure is the edge, not a guess below it


def test_without_a_percentage_the_answer_is_the_most_the_contract_and_the_margin_allow(ustore):
    facts = find_deal(ustore, UNIT, 15, lambda f: clean(f) and f.new_margin > 0.225 and f.competitor_price is None
                      and f.discount_value < f.budget_left)  # at the contract's 15% the margin still keeps its floor
    checked = call(ustore, "li.wei", "check_discount", deal=facts.deal, promised_on=LATER.isoformat())
    assert checked["verdict"].startswith("most_") and checked["values"]["most"] == "15%", checked
    assert checked["values"]["alone"] == "6%" and checked["values"]["evidence"] == "5%"


def test_a_defaulter_gets_no_discount_at_any_percentage(ustore):
    facts = find_deal(ustore, UNIT, 3, lambda f: f.defaulted_payments > 0)
    checked = call(ustore, "li.wei", "check_discount", deal=facts.deal, percent=3, promised_on=LATER.isoformat())
    assert checked["verdict"] == "reject_none"
    assert checked["values"]["why"]["verdict"] == "why_payment.allow_defaulted"
    assert "written-off" in checked["values"]["why"]["text"]
    most = call(ustore, "li.wei", "check_discount", deal=facts.deal, promised_on=LATER.isoformat())
    assert most["verdict"] == "most_reject" and most["values"]["most"] == "0%"


def test_only_staff_may_check_and_a_rep_only_their_own_units_deals(ustore):
    facts = find_deal(ustore, UNIT, 4, lambda f: clean(f))
    customer = call(ustore, "cust.mark.taylor", "check_discount", deal=facts.deal, percent=4)
    other_rep = call(ustore, "james.liu", "check_discount", deal=facts.deal, percent=4)
    assert not customer["ok"] and not other_rep["ok"]
    assert "verdict" not in customer and "verdict" not in other_rep


@pytest.mark.parametrize("login, question", [
    ("james.liu", "how much discount am I allowed to give on D-1867?"),
    ("james.liu", "what happens if I ask for 18% off D-1867?"),
    ("liang.yu", "would the contract accept 12% off D-1867?"),
])
def test_a_discount_question_in_chat_is_checked_against_the_contract_and_writes_nothing(tessera, login, question):
    before = snapshot(tessera.store)
    turn = tessera.chat(login, "t", question)
    assert [c["name"] for c in turn.tool_calls] == ["check_discount"], turn.reply
    assert "Nothing was requested" in turn.reply and "D-1867" in turn.reply
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "privacy_audit_log"}


@pytest.mark.parametrize("login, question", [
    ("wang.fang", "Globex Logistics 给个 8% 的折扣可以吗"),  # may I? asks for the check, not for past decisions
    ("wang.fang", "is it ok to give Globex Logistics 8% off?"),
])
def test_asking_whether_a_discount_may_be_given_on_an_account_checks_it_on_the_deal_picked(tessera, login, question):
    before = snapshot(tessera.store)
    asked = tessera.chat(login, "may-i", question)
    assert asked.tool_calls == [] and "D-1905" in asked.reply and "D-2045" in asked.reply  # Globex's two open deals
    picked = tessera.chat(login, "may-i", "2")
    assert [(c["name"], c["args"].get("deal"), c["args"].get("percent")) for c in picked.tool_calls] == [
        ("check_discount", "D-2045", 8)], picked.reply
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "privacy_audit_log"}


def test_a_chinese_question_gets_the_limit_and_its_reason_in_chinese(tessera, ustore):
    facts = find_deal(ustore, UNIT, 10, lambda f: clean(f) and f.new_margin < 0.22 and f.amount > f.cost / 0.78)
    turn = tessera.chat("li.wei", "zh", f"{facts.deal}打九折可以吗？")
    assert [c["name"] for c in turn.tool_calls] == ["check_discount"], turn.reply
    lead = turn.reply.splitlines()[0]
    assert "会被 east-enterprise 的合同拒绝" in lead and "毛利率就会低于22%的底线" in lead, lead
    assert "beyond" not in lead and "falls below" not in lead  # the rule keeps its code, the reason is worded
