"""Since when a piece of a customer's data is held ("since when do you have my phone number?", "你们什么时候开始有我的
电话号码的？"): answered from that field's provenance (when and where it came from), for the customer's own record
only; nothing is written, and staff get no customer's provenance through this tool."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.privacy.models import Provenance
from tests.conftest import FIXED_NOW
from tests.security.erasure_support import changed_rows, snapshot
from tools.base import ToolContext
from tools.registry import ALL


def collected(tessera, login: str, field: str) -> str:
    contact = tessera.actor(login).contact_id
    with tessera.store.session() as s:
        row = s.scalars(select(Provenance).where(Provenance.contact_id == contact, Provenance.field == field)).first()
        return f"{row.collected_at:%Y-%m-%d}"


@pytest.mark.parametrize("login, message", [
    ("cust.mark.taylor", "since when do you have my phone number?"),
    ("cust.li.na", "你们什么时候开始有我的电话号码的？"),
    ("cust.li.na", "how long have you had my phone number?"),
])
def test_since_when_is_the_phone_fields_provenance_and_nothing_is_written(tessera, login, message):
    before = snapshot(tessera.store)
    turn = tessera.chat(login, "w", message)
    assert [c["name"] for c in turn.tool_calls] == ["where_did_you_get"], turn.reply
    assert collected(tessera, login, "contacts.phone") in turn.reply
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "privacy_audit_log"}


def test_a_rep_calling_the_provenance_tool_is_refused(tessera):
    ctx = ToolContext(store=tessera.store, actor=tessera.actor("li.wei"), clock=lambda: FIXED_NOW)
    refused = ALL["where_did_you_get"].invoke(ctx, {"what": "since when do you have my phone number?"})
    assert not refused["ok"]
