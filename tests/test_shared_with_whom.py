""""Who have you shared my details with?": every field's source and recipients, led by one sentence naming each
party the person's data went to; read through the one enforcement point, writing nothing, and only one's own."""
from __future__ import annotations

from sqlalchemy import select

from crm.privacy.models import AuditEntry
from evals.state import business_fingerprint, written_tables
from tests.privacy_support import call, privacy_dir, ptessera  # noqa: F401


def test_asked_of_no_one_field_the_answer_names_every_recipient_and_each_fields_source(ptessera):
    before = business_fingerprint(ptessera.store)
    answer = call(ptessera, "cust.chen.jing", "where_did_you_get", what="who have you shared my details with?")
    assert answer["ok"] and answer["total"] == len(answer["items"]) == 5
    phone = next(i for i in answer["items"] if i["field"] == "电话号码")  # 陈静 reads Tessera in Chinese
    assert phone["shared with"] == "顺丰速运" and phone["source"] == "展会（展会胸牌扫描）"  # Chinese words, no English
    assert answer["answer"] == "我们与以下对象共享过您的数据：顺丰速运（电话号码）。"
    assert {i["shared with"] for i in answer["items"] if i is not phone} == {"无"}
    assert written_tables(before, business_fingerprint(ptessera.store)) == []


def test_each_field_shown_passes_the_enforcement_point_and_leaves_its_line(ptessera):
    with ptessera.store.session() as s:
        lines_before = len(s.scalars(select(AuditEntry)).all())
    call(ptessera, "cust.chen.jing", "where_did_you_get", what="all of it")
    with ptessera.store.session() as s:
        assert len(s.scalars(select(AuditEntry)).all()) > lines_before


def test_in_chat_the_recipients_lead_the_reply_in_the_customers_language(ptessera):
    turn = ptessera.chat("cust.chen.jing", "zh", "你们把我的资料都共享给了哪些公司？")
    assert [c["name"] for c in turn.tool_calls] == ["where_did_you_get"], turn.reply
    assert turn.reply.startswith("我们与以下对象共享过您的数据：顺丰速运（电话号码）。")
    assert not any(w in turn.reply for w in ("event", "trade fair", "SF Express", "shared_with", "purpose"))  # no English


def test_staff_cannot_ask_it_of_a_customer(ptessera):
    assert not call(ptessera, "li.wei", "where_did_you_get", what="who have you shared my details with?")["ok"]
