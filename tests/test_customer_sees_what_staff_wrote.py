"""A customer asking what the staff wrote about them ("what did your reps write about me?", "你们业务员都记了我些
什么？") is shown those records: the calls, meetings, emails and notes naming them and the cases they opened, with
when, who recorded it and what was written. Only their own records, read through the PDP for their access right;
nothing is written. Who read those records stays the access log's answer."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.actor import AccessDenied
from crm.models import Activity, Case, Contact, User
from crm.privacy.models import AuditEntry
from crm.services.subjects import data_held_about
from evals.state import business_fingerprint, written_tables
from tests.conftest import FIXED_NOW
from tests.privacy_support import call, privacy_dir, ptessera  # noqa: F401


def _contact_of(store, login: str) -> int:
    with store.session() as s:
        return s.scalar(select(User.contact_id).where(User.login == login))


def test_the_records_shown_are_the_customers_own_activities_and_cases(ptessera):
    contact = _contact_of(ptessera.store, "cust.sarah.miller")
    shown = call(ptessera, "cust.sarah.miller", "my_data", what="what did your reps write about me?")
    with ptessera.store.session() as s:
        own = {(a.occurred_at.date().isoformat(), a.subject, a.body)
               for a in s.scalars(select(Activity).where(Activity.contact_id == contact))}
        cases = {f"C-{c.id}" for c in s.scalars(select(Case).where(Case.contact_id == contact))}
        others = s.scalar(select(Activity.id).where(Activity.contact_id != contact).limit(1))
    activities = {(r["when"], r["subject"], r["note"]) for r in shown["items"] if r["kind"] != "case"}
    assert own and activities == own
    assert {r["subject"] for r in shown["items"] if r["kind"] == "case"} == cases
    assert others is not None and shown["total"] == len(own) + len(cases)
    assert [r["when"] for r in shown["items"]] == sorted((r["when"] for r in shown["items"]), reverse=True)


def test_the_read_is_decided_by_the_pdp_for_the_persons_access_right(ptessera):
    contact = _contact_of(ptessera.store, "cust.chen.jing")
    call(ptessera, "cust.chen.jing", "my_data", what="我的沟通记录")
    with ptessera.store.session() as s:
        decided = s.scalars(select(AuditEntry).where(
            AuditEntry.contact_id == contact, AuditEntry.event == "decision",
            AuditEntry.category == "user.behavior.interaction")).all()
    assert [(d.purpose, d.allowed) for d in decided] == [("legal.subject_rights", True)]


def test_without_interactions_named_the_whole_record_is_shown_as_before(ptessera):
    shown = call(ptessera, "cust.sarah.miller", "my_data", what="what data do you hold about me?")
    assert {r["what"] for r in shown["items"]} >= {"name", "email address"}
    assert shown["record"]["activities mentioning you"] > 0


def test_staff_cannot_read_a_persons_interactions_as_their_own(ptessera):
    with ptessera.store.session() as s, pytest.raises(AccessDenied):
        data_held_about(s, ptessera.actor("li.wei"), FIXED_NOW, what="notes")


@pytest.mark.parametrize("login, message", [
    ("cust.sarah.miller", "what did your reps write about me?"),
    ("cust.mark.taylor", "what did you guys note down after our last call?"),
    ("cust.li.na", "你们业务员都记了我些什么？"),
    ("cust.chen.jing", "关于我的沟通记录有哪些？"),
])
def test_asked_in_words_the_records_are_shown_and_nothing_is_written(ptessera, login, message):
    before = business_fingerprint(ptessera.store)
    turn = ptessera.chat(login, "t", message)
    assert [c["name"] for c in turn.tool_calls] == ["my_data"], turn.reply
    with ptessera.store.session() as s:
        name = s.scalar(select(Contact.full_name).join(User, User.contact_id == Contact.id).where(User.login == login))
    assert name in turn.reply and ("recorded by" in turn.reply or "记录人" in turn.reply)
    assert written_tables(before, business_fingerprint(ptessera.store)) == []


@pytest.mark.parametrize("message, tool", [
    ("who has read the notes you wrote about me?", "my_data_access"),
    ("谁看过你们写的关于我的备注？", "my_data_access"),
    ("what do you use my call history for?", "my_consents"),
    ("export my call history please", "export_my_data"),
])
def test_who_read_them_their_use_or_a_copy_are_other_questions(ptessera, message, tool):
    login = "cust.li.na" if any("\u4e00" <= ch <= "\u9fff" for ch in message) else "cust.sarah.miller"
    turn = ptessera.chat(login, "t", message)
    assert [c["name"] for c in turn.tool_calls] == [tool], turn.reply
