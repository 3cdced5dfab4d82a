"""A customer stops one use and keeps another in one message ("stop X, but Y is still fine", "不要再…，但是…还是可以"):
the use stopped is planned and, after the yes, withdrawn as one new consent record; the use kept and every other
record stay as they were. A kind of call before 的 ("售后的电话") is a use, not another person's number."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.privacy.models import ConsentRecord
from llm.offline.own_data import about_someone_else
from tests.security.erasure_support import changed_rows, snapshot


def consents(tessera, login: str) -> list[tuple]:
    contact = tessera.actor(login).contact_id
    with tessera.store.session() as s:
        return [(c.purpose, c.category, c.granted) for c in s.scalars(
            select(ConsentRecord).where(ConsentRecord.contact_id == contact).order_by(ConsentRecord.id))]


@pytest.mark.parametrize("login, message, purpose", [
    ("cust.li.na", "不要再给我打推销电话了，但是售后的电话还是可以打", "sales.follow_up"),
    ("cust.li.na", "以后别给我打推销电话了，不过售后的电话还是可以打的", "sales.follow_up"),
    ("cust.mark.taylor", "stop sending me promotional emails, but order updates are fine", "marketing.communications"),
    ("cust.chen.jing", "别再给我发营销短信了，不过订单通知还是可以发", "marketing.communications"),
])
def test_the_use_stopped_is_withdrawn_and_the_use_kept_is_left_alone(tessera, login, message, purpose):
    before, kept = snapshot(tessera.store), consents(tessera, login)
    turn = tessera.chat(login, "c", message)
    assert [c["name"] for c in turn.tool_calls] == ["revoke_consent"], turn.reply
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "pending_approvals", "privacy_audit_log"}
    tessera.chat(login, "c", "yes" if login != "cust.li.na" else "确认")
    after = consents(tessera, login)
    assert after[:len(kept)] == kept  # the history stays; one record is added
    assert [(p, granted) for p, _, granted in after[len(kept):]] == [(purpose, False)]
    assert not any(p.startswith("essential") for p, _, _ in after[len(kept):])  # service and order updates go on
    others = {t: rows for t, rows in changed_rows(before, snapshot(tessera.store)).items()
              if t not in {"turn_traces", "pending_approvals", "privacy_audit_log", "privacy_consents",
                           "privacy_requests", "data_versions", "undo_log"}}
    assert others == {}


@pytest.mark.parametrize("text", ["但是售后的电话还是可以打", "营销的短信别发了"])
def test_a_kind_of_call_before_de_is_a_use_not_a_person(text):
    assert not about_someone_else(text)


def test_a_persons_number_is_still_someone_elses():
    assert about_someone_else("把王伟的电话给我")
