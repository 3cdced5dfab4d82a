"""A customer's complaint opens a case even when it mentions their e-mail or says "not": withdrawing a consent needs
a word for stopping, a correction a word for something wrong or changed; their data and consents stay as they were."""
from __future__ import annotations

import pytest

from tests.security.erasure_support import changed_rows, snapshot


@pytest.mark.parametrize("login, complaint", [
    ("cust.li.na", "我想投诉，你们的客服一直不回我邮件"),
    ("cust.sarah.miller", "I want to complain: nobody ever answers my emails"),
    ("cust.mark.taylor", "Hi, the barcode printers you sent us keep jamming"),
])
def test_a_complaint_opens_a_case_and_changes_no_personal_data(tessera, login, complaint):
    before = snapshot(tessera.store)
    turn = tessera.chat(login, "c", complaint)
    assert [c["name"] for c in turn.tool_calls] == ["open_case"], turn.reply
    changed = set(changed_rows(before, snapshot(tessera.store)))
    assert "cases" in changed
    assert not changed & {"contacts", "privacy_consents", "privacy_field_history", "pending_approvals"}


@pytest.mark.parametrize("login, message, tool", [
    ("cust.li.na", "营销短信别再发了", "revoke_consent"),
    ("cust.mark.taylor", "my phone number is wrong, it should be +49 30 1234 5678", "correct_my_data"),
])
def test_a_withdrawal_or_a_correction_in_its_own_words_still_reaches_its_tool(tessera, login, message, tool):
    assert [c["name"] for c in tessera.chat(login, "c", message).tool_calls] == [tool]
