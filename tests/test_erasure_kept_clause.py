"""An erasure with something to keep: "delete everything you have on me except my order history" never erases the
kept kind (it once did: the one kind named won over "everything"); everything but one kind is no single erasure, so
it is asked about and nothing is planned or queued. "Delete my phone number but keep my email" erases the phone."""
from __future__ import annotations

import pytest

from crm.privacy.erasure import UnclearRequest, scope_from_text
from evals.state import business_fingerprint, written_tables
from tests.privacy_support import privacy_dir, ptessera  # noqa: F401


@pytest.mark.parametrize("said", [
    "delete everything you have on me except my order history", "erase all my data apart from my purchase history",
    "delete my account but leave my order history", "除了购买记录，其他都删了", "除了订单记录以外全部删除",
])
def test_everything_but_a_kind_is_asked_about_never_read_as_that_kind(said):
    with pytest.raises(UnclearRequest) as asked:
        scope_from_text(said)
    assert asked.value.kind == "erase_except" and asked.value.details["kept"] == "购买记录"


@pytest.mark.parametrize("said, scope", [
    ("delete my phone number but keep my email", "user.contact.phone_number"),
    ("删掉我的电话，邮箱保留", "user.contact.phone_number"),
    ("please erase all my data, keep nothing", "user"),
    ("删除我的购买记录", "user.behavior.purchase_history"),  # the 除 of 删除 says nothing of what stays
    ("移除我的手机号，保留邮箱", "user.contact.phone_number"),
])
def test_a_kind_to_erase_beside_another_to_keep_is_the_kind_to_erase(said, scope):
    assert scope_from_text(said) == scope


def test_asked_in_chat_nothing_is_planned_queued_or_erased(ptessera):
    before = business_fingerprint(ptessera.store)
    turn = ptessera.chat("cust.sarah.miller", "kept", "delete everything you have on me except my order history")
    assert turn.confirmation is None and turn.written == []
    assert "purchase history" in turn.reply and "which kind" in turn.reply
    assert written_tables(before, business_fingerprint(ptessera.store)) == []
