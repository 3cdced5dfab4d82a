"""Finding 7: after a customer revoked contact use, her phone and e-mail were withheld in fields but still shown
inside notes by search_notes and account_summary. Now every phone, e-mail, resident ID number and known name
inside free text passes the decision point for the person it belongs to, wherever the text is shown."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from channels.auth import issue_token
from channels.http_api import create_app
from crm.privacy.identifiers import CN_ID, EMAIL, NAME, PHONE, NameIndex, find_values, same_phone
from tests.privacy_support import call, privacy_dir, ptessera  # noqa: F401

PHONE_CHEN, EMAIL_CHEN = "+86 158 5902 5379", "chen.jing@beichen-med.cn"
NEW_MOBILE = "139 1234 5678"  # nobody's known number: decided for the note's person
RESIDENT_ID = "11010519491231002X"  # a valid check digit: never shown for sales


def log(ptessera, contact: str | None, subject: str) -> None:
    args = {"account": "北辰医疗器械", "kind": "call", "subject": subject}
    assert call(ptessera, "li.wei", "log_activity", **args, **({"contact": contact} if contact else {}))["ok"]


@pytest.fixture
def revoked(ptessera):
    """Notes quoting 陈静's values are logged; then she withdraws consent for sales follow-up."""
    log(ptessera, "陈静", f"陈静 called from {PHONE_CHEN[4:]}, new mobile {NEW_MOBILE}, mail {EMAIL_CHEN}")
    log(ptessera, "刘强", f"刘强 asked us to copy {EMAIL_CHEN} on the renewal quote; his ID {RESIDENT_ID}")
    log(ptessera, None, f"front desk gave out {EMAIL_CHEN} for the renewal quote")
    assert call(ptessera, "cust.chen.jing", "revoke_consent", what="sales follow-up")["ok"]
    return ptessera


def shown(result: dict) -> str:
    import json

    return json.dumps({k: v for k, v in result.items() if k != "withheld"}, ensure_ascii=False)


def test_search_notes_withholds_her_phone_and_email_inside_every_note(revoked):
    found = call(revoked, "li.wei", "search_notes", notes=revoked.notes, query="renewal quote phone mail")
    assert found["ok"] and len(found["items"]) >= 3
    text = shown(found)
    for value in (PHONE_CHEN[4:], EMAIL_CHEN, NEW_MOBILE, RESIDENT_ID):
        assert value not in text, value
    assert "[withheld]" in text and "刘强" in text and "陈静" in text  # names stay: held under the contract
    assert any("陈静 revoked 'sales follow-up'" in w for w in found["withheld"])
    assert any("ID number withheld" in w for w in found["withheld"])


def test_account_summary_withholds_her_values_in_recent_activities(revoked):
    summary = call(revoked, "li.wei", "account_summary", account="北辰医疗器械")
    text = shown(summary)
    assert summary["ok"] and EMAIL_CHEN not in text and PHONE_CHEN[4:] not in text and NEW_MOBILE not in text
    assert "[withheld]" in text and any("陈静 revoked" in w for w in summary["withheld"])


def test_before_she_revokes_the_same_notes_show_her_values(ptessera):
    log(ptessera, "陈静", f"陈静 called from {PHONE_CHEN[4:]}, mail {EMAIL_CHEN}")
    summary = call(ptessera, "li.wei", "account_summary", account="北辰医疗器械")
    assert EMAIL_CHEN in shown(summary) and "withheld" not in summary


def test_a_trace_shown_back_after_she_revokes_withholds_what_it_showed_before(ptessera):
    turn = ptessera.chat("li.wei", "beichen", "北辰医疗器械的联系人是谁")
    assert PHONE_CHEN in turn.reply
    with ptessera.store.session() as s:
        token = issue_token(s, "li.wei")
    client = TestClient(create_app(ptessera))
    headers = {"Authorization": f"Bearer {token}"}
    assert PHONE_CHEN in client.get(f"/v1/traces/{turn.turn_id}", headers=headers).json()["reply"]
    assert call(ptessera, "cust.chen.jing", "revoke_consent", what="sales follow-up")["ok"]
    later = client.get(f"/v1/traces/{turn.turn_id}", headers=headers).json()
    assert PHONE_CHEN not in str(later) and EMAIL_CHEN not in str(later) and "[withheld]" in later["reply"]
    again = ptessera.chat("li.wei", "beichen", "北辰医疗器械的联系人是谁")
    assert PHONE_CHEN not in again.reply and EMAIL_CHEN not in again.reply


# -- the recognizers --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, kind, value", [
    ("请回电 13812345678 谢谢", PHONE, "13812345678"),
    ("手机：+86 139-0000-0000。", PHONE, "+86 139-0000-0000"),
    ("座机010-62345678转分机", PHONE, "010-62345678"),
    ("call +1 212 555 0105 today", PHONE, "+1 212 555 0105"),
    ("Berlin office +49 30 5427 1705.", PHONE, "+49 30 5427 1705"),
    ("全角１３８１２３４５６７８号码", PHONE, "１３８１２３４５６７８"),
    ("邮箱chen.jing@beichen-med.cn。", EMAIL, "chen.jing@beichen-med.cn"),
    ("身份证11010519491231002X已核验", CN_ID, "11010519491231002X"),
    ("Spoke with Mark  Taylor about it", NAME, "Mark  Taylor"),
    ("Met Chen Jing at CMEF", NAME, "Chen Jing"),  # 陈静 in Latin script
    ("jing chen will call back", NAME, "jing chen"),
])
def test_recognizers_find_whole_values_in_chinese_and_english(text, kind, value):
    [found] = find_values(text, NameIndex([(1, "Mark Taylor"), (3, "陈静")]))
    assert (found.kind, found.text) == (kind, value)


@pytest.mark.parametrize("text", ["Order #4521 for ¥1,380,000 on 2026-01-05 10:00", "margin 31.5%, +12 units",
                                  "身份证11010519491231002Y（校验位错）", "陈静怡来电", "Markus Taylorson",
                                  "Beijing Chen Ltd", "chenjing.shop"])
def test_recognizers_leave_numbers_dates_wrong_ids_and_longer_names_alone(text):
    index = NameIndex([(1, "Mark Taylor"), (3, "陈静"), (9, "陈静怡")])
    assert [f for f in find_values(text, index) if f.owners != (9,)] == []


def test_one_phone_number_written_three_ways_is_one_number():
    assert same_phone("+86 158 5902 5379", "158-5902-5379") and same_phone("0086 15859025379", "15859025379")
    assert same_phone("+49 30 5427 1705", "030 5427 1705")
    assert not same_phone("+1 212 555 0105", "+1 415 555 0105")
