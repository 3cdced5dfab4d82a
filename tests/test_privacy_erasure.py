"""Erasure reaches every copy: after "删除我的全部数据" no planted value is left in any of Tessera's files
(the store, the conversation checkpoints, the traces and the Chroma folder), and what is kept names its rule."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from crm.models import Contact
from crm.privacy.directory import directory
from crm.privacy.identifiers import email_key
from crm.privacy.models import SubjectRequest
from memory.note_index import NoteIndex
from tests.privacy_support import call, privacy_dir, ptessera  # noqa: F401

PHONE = "+86 139 4242 7777"
NOTE = "ZQX-PLANT-9917"


def _files_holding(folder: Path, needle: str) -> list[str]:
    raw = needle.encode("utf-8")
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and raw in p.read_bytes())


@pytest.fixture
def notes(ptessera) -> NoteIndex:
    return ptessera.notes  # a search first indexes the newest notes not yet indexed: a note logged now is found


def test_erasing_everything_leaves_no_planted_value_in_any_storage(ptessera, notes, privacy_dir):
    # the customer corrects her phone in chat: the value is in the store, its history, a checkpoint and a trace
    fixed = ptessera.chat("cust.chen.jing", "me", f"更正我的电话：{PHONE}")
    assert [c["name"] for c in fixed.tool_calls] == ["correct_my_data"], fixed.reply
    # a rep logs a note about her and finds it by meaning: the note is in the store and in vector memory
    logged = call(ptessera, "li.wei", "log_activity", account="北辰医疗器械", kind="call", contact="陈静",
                  subject=f"陈静 asked for a quote, reference {NOTE}")
    assert logged["ok"], logged
    found = call(ptessera, "li.wei", "search_notes", notes=notes, query="asked for a quote")
    assert any(NOTE in i["passage"] for i in found["items"])
    # the rep asks for the contacts in chat (allowed: she consented to sales follow-up): a rep's checkpoint
    turn = ptessera.chat("li.wei", "beichen", "北辰医疗器械的联系人是谁")
    assert PHONE in turn.reply
    assert _files_holding(privacy_dir, PHONE) and _files_holding(privacy_dir / "chroma", NOTE)

    asked = ptessera.chat("cust.chen.jing", "me", "删除我的全部数据")
    assert [c["name"] for c in asked.tool_calls] == ["erase_my_data"], asked.reply
    assert asked.confirmation["tool"] == "erase_my_data" and not ptessera.erasures.drain()  # the plan first
    ptessera.chat("cust.chen.jing", "me", "确认")
    [report] = ptessera.erasures.drain()  # the queued erasure ran once that turn had ended

    assert report["erased"]["conversation threads"] >= 2 and report["erased"]["notes in vector memory"] >= 1
    assert any("GDPR Art. 5(2)" in k["rule"] for k in report["kept"])
    with ptessera.store.session() as s:
        assert s.scalar(select(SubjectRequest.status).where(SubjectRequest.id == report["request"])) == "done"
    after = call(ptessera, "li.wei", "find_contacts", account="北辰医疗器械")
    assert "[erased]" in [i["name"] for i in after["items"]]
    assert not any(NOTE in i["passage"] for i in call(ptessera, "li.wei", "search_notes", notes=notes,
                                                     query="asked for a quote")["items"])
    with ptessera.store.session() as s:  # the privacy directory, cached in memory before, knows her no more
        book = directory(s)
        assert email_key("chen.jing@beichen-med.cn") not in book.emails and PHONE not in book.phone_of.values()
    ptessera.close()
    for needle in (PHONE, NOTE, "chen.jing@beichen-med.cn"):
        assert _files_holding(privacy_dir, needle) == [], needle


def test_erasing_only_the_purchase_history_keeps_the_rest_and_names_the_accounting_rule(ptessera):
    result = call(ptessera, "cust.chen.jing", "erase_my_data", what="我的购买记录")
    assert result["ok"] and "购买记录" in result["done"]
    assert any("会计档案管理办法" in k["rule"] for k in result["kept"])
    [report] = ptessera.erasures.drain()
    assert report["scope"] == "user.behavior.purchase_history"
    assert report["erased"] == {"items in your data vault": 1}
    with ptessera.store.session() as s:
        assert s.scalar(select(Contact.phone).where(Contact.full_name == "陈静")).startswith("+86")


def test_an_erasure_a_crash_left_unfinished_is_carried_out_when_tessera_starts_again(privacy_dir):
    from crm.privacy import requests
    from tessera.runtime import Tessera
    from tests.conftest import FIXED_NOW, settings_for

    first = Tessera(settings_for(privacy_dir), clock=lambda: FIXED_NOW, seed=False)
    with first.store.session() as s:
        chen = s.scalar(select(Contact.id).where(Contact.full_name == "陈静"))
        queued = requests.open_request(s, contact_id=chen, kind="erase", scope="user.contact.phone_number",
                                       channel="chat", now=FIXED_NOW, by=f"contact:{chen}").id
    first.erasures.wake = lambda: None  # the process dies before its worker gets to the request
    first.close()

    second = Tessera(settings_for(privacy_dir), clock=lambda: FIXED_NOW, seed=False)
    try:
        [report] = second.erasures.drain()
        assert report["request"] == queued
        assert report["erased"] == {"your phone": 1, "records of where your data came from": 1}
        with second.store.session() as s:
            assert s.get(Contact, chen).phone == "[erased]" and s.get(Contact, chen).email.endswith("beichen-med.cn")
            assert s.get(SubjectRequest, queued).status == "done"
    finally:
        second.close()
