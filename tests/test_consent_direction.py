"""A consent change goes the way the message asks: allowing something never plans a withdrawal and stopping
something never plans a grant, whatever purpose the nearest example names; nothing changes before the yes."""
from __future__ import annotations

import pytest

from tests.security.erasure_support import changed_rows, snapshot


@pytest.mark.parametrize("login, message, tool", [
    ("cust.chen.jing", "你们可以用我的信息来训练AI模型", "grant_consent"),
    ("cust.chen.jing", "我不同意你们用我的信息训练AI模型", "revoke_consent"),
    ("cust.mark.taylor", "I'm fine with you sending me newsletters again", "grant_consent"),
    ("cust.mark.taylor", "I no longer want your newsletters", "revoke_consent"),
])
def test_the_consent_tool_follows_the_direction_of_the_message(tessera, login, message, tool):
    before = snapshot(tessera.store)
    turn = tessera.chat(login, "c", message)
    assert [c["name"] for c in turn.tool_calls] == [tool], turn.reply
    assert turn.confirmation is not None  # a consent change waits for the customer's yes
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "pending_approvals",
                                                                   "privacy_audit_log"}


@pytest.mark.parametrize("message, purpose", [
    ("I no longer want you to phone me about offers", "marketing.communications"),
    ("以后别再发优惠活动了", "marketing.communications"),
    ("please don't use my data to train your AI", "train_ai_system"),
])
def test_a_withdrawal_in_everyday_words_names_its_purpose(tessera, message, purpose):
    from crm.privacy.taxonomy import default_taxonomy

    assert default_taxonomy().purpose_from_text(message) == purpose
    turn = tessera.chat("cust.mark.taylor", "p", message)
    assert [c["name"] for c in turn.tool_calls] == ["revoke_consent"], turn.reply
    assert turn.confirmation is not None, turn.reply  # the plan names the use and waits for the yes
