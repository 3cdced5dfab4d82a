"""Data-subject rights through the tools: what is held and where it came from, export, rectify, requests."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from crm.models import Contact
from crm.privacy.models import AuditEntry, FieldHistory, SubjectRequest
from crm.privacy.rights import export, export_zip
from evals.state import business_fingerprint, written_tables
from tests.conftest import FIXED_NOW
from tests.privacy_support import call, privacy_dir, ptessera  # noqa: F401
from tools.registry import ALL


def test_what_do_you_know_about_me_lists_every_category_with_its_source(ptessera):
    turn = ptessera.chat("cust.chen.jing", "me", "what do you know about me?")
    assert [c["name"] for c in turn.tool_calls] == ["my_data"]
    result = call(ptessera, "cust.chen.jing", "my_data")
    phone = next(row for row in result["items"] if row["what"] == "电话号码")  # chen.jing reads Chinese
    assert phone["source"] == "展会（展会胸牌扫描）" and phone["collected"] and phone["shared with"] == "顺丰速运"
    assert "陈静" in turn.reply


def test_the_record_shown_in_chinese_has_no_english_labels(ptessera):
    reply = ptessera.chat("cust.chen.jing", "zh-labels", "我想看看你们都记录了我哪些东西").reply
    assert "姓名" in reply and "用途" in reply and "陈静" in reply
    for english in ("name:", "company:", "by_category", "activities mentioning", "used for", "shared with"):
        assert english not in reply, english


def _phone(result: dict) -> str:
    return next(row["value"] for row in result["items"] if row["what"] == "电话号码")


def test_where_did_you_get_my_phone_number_gets_the_recorded_source(ptessera):
    turn = ptessera.chat("cust.chen.jing", "me", "where did you get my phone number?")
    assert [c["name"] for c in turn.tool_calls] == ["where_did_you_get"], turn.reply
    answer = call(ptessera, "cust.chen.jing", "where_did_you_get", what="my phone number")
    src = answer["source"]
    assert answer["field"] == "phone"
    assert src["collected_at"][:10] in turn.reply and src["channel"] == "展会"  # the tool speaks her language (zh)
    assert "event" in turn.reply  # asked in English, answered in English


def test_the_export_holds_each_value_with_provenance_as_json_and_as_a_zip_of_csvs(ptessera):
    with ptessera.store.session() as s:
        cid = s.scalar(select(Contact.id).where(Contact.full_name == "陈静"))
        data = export(s, cid, FIXED_NOW, actor="test", channel="api")
    json.dumps(data, ensure_ascii=False)
    email = data["personal_data"]["user.contact.email"]["values"][0]
    assert email["value"] == "chen.jing@beichen-med.cn" and email["source"]["system"]
    assert data["consents"] and data["interactions"] and "export" not in {r["kind"] for r in data["requests"]}
    files = zipfile.ZipFile(io.BytesIO(export_zip(data)))
    assert {"personal_data.csv", "interactions.csv", "consents.csv", "requests.csv"} <= set(files.namelist())
    assert "chen.jing@beichen-med.cn" in files.read("personal_data.csv").decode()


def test_correcting_my_phone_keeps_the_old_value_in_the_history(ptessera):
    before = _phone(call(ptessera, "cust.chen.jing", "my_data"))
    result = call(ptessera, "cust.chen.jing", "correct_my_data",
                  correction="my phone number is wrong, it should be +86 139 0000 1111")
    assert result["ok"] and result["old"] == before and result["new"] == "+86 139 0000 1111"
    assert _phone(call(ptessera, "cust.chen.jing", "my_data")) == "+86 139 0000 1111"
    with ptessera.store.session() as s:
        history = s.scalars(select(FieldHistory)).all()
        assert [(h.field, h.old_value, h.new_value) for h in history] == [("contacts.phone", before, "+86 139 0000 1111")]
    src = call(ptessera, "cust.chen.jing", "where_did_you_get", what="phone")["source"]
    assert "本人更正" in src["detail"]  # 陈静 reads Chinese: the source in her words, not the stored English



def test_a_polite_chinese_correction_stores_the_number_without_the_question_particle(ptessera):
    result = call(ptessera, "cust.chen.jing", "correct_my_data", correction="能把我的手机号改成13800001111吗？")
    assert result["ok"] and result["new"] == "13800001111"
    assert _phone(call(ptessera, "cust.chen.jing", "my_data")) == "13800001111"


def test_a_value_that_is_not_a_phone_number_is_refused_and_nothing_changes(ptessera):
    before = call(ptessera, "cust.chen.jing", "my_data")["record"]
    result = call(ptessera, "cust.chen.jing", "correct_my_data", correction="my phone number should be call me maybe")
    assert not result["ok"] and "phone number" in str(result)
    bad_email = call(ptessera, "cust.chen.jing", "correct_my_data", correction="my email should be chen at home")
    assert not bad_email["ok"]
    assert call(ptessera, "cust.chen.jing", "my_data")["record"] == before
    with ptessera.store.session() as s:
        assert s.scalars(select(FieldHistory)).all() == []

def _contacts(ptessera) -> dict:
    with ptessera.store.session() as s:
        return {c.id: (c.full_name, c.email, c.phone, c.city, c.title) for c in s.scalars(select(Contact))}


@pytest.mark.parametrize("correction, column, value", [
    ("my phone number changed, it's +86 138 1234 5678 now", 2, "+86 138 1234 5678"),
    ("我的邮箱换了，新的是 chenjing@newmail.cn，帮我改一下", 1, "chenjing@newmail.cn"),
    ("换了，新的是 chenjing@newmail.cn，帮我改一下", 1, "chenjing@newmail.cn"),
])
def test_a_correction_without_a_marker_takes_the_field_from_the_value_and_changes_nothing_else(
        ptessera, correction, column, value):
    before = _contacts(ptessera)
    result = call(ptessera, "cust.chen.jing", "correct_my_data", correction=correction)
    assert result["ok"] and result["new"] == value, result
    after = _contacts(ptessera)
    with ptessera.store.session() as s:
        me = s.scalar(select(Contact.id).where(Contact.full_name == "陈静"))
    assert {k: v for k, v in after.items() if k != me} == {k: v for k, v in before.items() if k != me}
    assert after[me][column] == value
    assert [a for i, (a, b) in enumerate(zip(after[me], before[me])) if a != b] == [value]


def test_a_correction_holding_both_an_email_and_a_phone_number_changes_nothing(ptessera):
    before = _contacts(ptessera)
    result = call(ptessera, "cust.chen.jing", "correct_my_data",
                  correction="new details, chen@newmail.cn and +86 138 1234 5678 now")
    assert not result["ok"]
    assert _contacts(ptessera) == before
    with ptessera.store.session() as s:
        assert s.scalars(select(FieldHistory)).all() == []


def test_every_request_walks_its_lifecycle_with_a_deadline(ptessera):
    call(ptessera, "cust.chen.jing", "correct_my_data", correction="my city is Hangzhou")
    with ptessera.store.session() as s:
        req = s.scalars(select(SubjectRequest).order_by(SubjectRequest.id.desc())).first()
        assert req.kind == "rectify"
        assert [st["status"] for st in req.steps] == ["received", "verified", "in_progress", "done"]
        assert (req.due_at - req.received_at).days == 30


@pytest.mark.parametrize("tool, args", [("export_my_data", {}), ("my_data", {}), ("my_consents", {}),
                                        ("where_did_you_get", {"what": "my phone number"})])
def test_the_privacy_tools_declared_as_reading_change_no_business_table(ptessera, tool, args):
    assert not ALL[tool].writes
    before = business_fingerprint(ptessera.store)
    assert call(ptessera, "cust.chen.jing", tool, **args)["ok"]
    assert written_tables(before, business_fingerprint(ptessera.store)) == []


def test_a_copy_of_my_data_is_no_request_and_is_kept_in_the_signed_audit_log(ptessera):
    result = call(ptessera, "cust.chen.jing", "export_my_data")
    assert result["record"]["personal fields"] == 5 and "request" not in result
    with ptessera.store.session() as s:
        cid = s.scalar(select(Contact.id).where(Contact.full_name == "陈静"))
        assert s.scalars(select(SubjectRequest).where(SubjectRequest.kind == "export")).all() == []
        line = s.scalars(select(AuditEntry).where(AuditEntry.event == "export")).one()
        assert (line.contact_id, line.allowed, line.details["channel"]) == (cid, True, "chat")
        assert line.details["sections"]["interactions"] > 0
        others = s.scalars(select(AuditEntry).where(AuditEntry.event == "export", AuditEntry.contact_id != cid)).all()
        assert others == []  # nobody else's copy was taken


def test_a_customer_cannot_use_the_privacy_tools_on_someone_else_and_reps_cannot_use_them_at_all(ptessera):
    assert not call(ptessera, "li.wei", "my_data")["ok"]
    assert not call(ptessera, "li.wei", "erase_my_data", what="everything")["ok"]


def test_the_cli_exports_a_customer_as_json_and_zip_and_erases_them(ptessera, tmp_path):
    from tests.cli_support import run_cli

    exported = run_cli("privacy", "export", "--customer", "cust.chen.jing", tessera=ptessera)
    assert exported.exit_code == 0
    assert json.loads(exported.stdout)["personal_data"]["user.contact.email"]["values"][0]["value"] == \
        "chen.jing@beichen-med.cn"
    assert run_cli("privacy", "export", "--customer", "cust.chen.jing", "--zip", str(tmp_path / "me.zip"),
                   tessera=ptessera).exit_code == 0
    assert "consents.csv" in zipfile.ZipFile(tmp_path / "me.zip").namelist()
    planned = run_cli("privacy", "erase", "--customer", "cust.chen.jing", "--json", tessera=ptessera)
    assert planned.exit_code == 0 and "nothing erased" in planned.stderr
    assert json.loads(planned.stdout)["changes"][0] == {"what": "your name, job title, e-mail, phone, city",
                                                        "where": "contacts", "count": 5}
    assert run_cli("privacy", "export", "--customer", "cust.chen.jing", tessera=ptessera).exit_code == 0  # still there
    erased = run_cli("privacy", "erase", "--customer", "cust.chen.jing", "--yes", "--json", tessera=ptessera)
    assert erased.exit_code == 0
    assert json.loads(erased.stdout)["erased"]["your name, job title, e-mail, phone, city"] == 5
    assert run_cli("privacy", "export", "--customer", "cust.chen.jing", tessera=ptessera).exit_code == 2
