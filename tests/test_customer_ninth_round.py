"""A customer's words of the ninth round: after the consents table, "withdraw the third one" / "撤回第三个" is that
row (its use and its data), never a question with another numbering; "say yes to all the consents" / "我全部同意"
shows one plan of every use a consent is asked for and writes only after the yes; a correction confirmed together
with a consent change is said in a sentence, not in the call's words."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from crm.models import Contact
from crm.privacy.models import ConsentRecord
from crm.privacy.taxonomy import default_taxonomy
from evals.state import business_fingerprint, written_tables
from llm.offline import own_data
from llm.offline.messages import Turn
from tests.privacy_support import privacy_dir, ptessera  # noqa: F401

TABLE = json.dumps({"items": [
    {"what": "behaviour", "use": "analytics and reporting", "status": "refused"},
    {"what": "contact details", "use": "service", "status": "granted"},
    {"what": "contact details", "use": "marketing messages", "status": "granted"},
    {"what": "contact details", "use": "sales follow-up", "status": "granted"}]})
TABLE_ZH = json.dumps({"items": [
    {"what": "行为数据", "use": "统计分析", "status": "已拒绝"},
    {"what": "联系方式", "use": "服务", "status": "已同意"},
    {"what": "联系方式", "use": "营销信息", "status": "已同意"}]})


def _history(result: str) -> list[Turn]:
    return [Turn("user", "show my consents"), Turn("assistant", "", ({"id": "1", "name": "my_consents"},)),
            Turn("tool", result, tool_call_id="1", name="my_consents")]


def _read(words: str) -> tuple[str, str]:
    tax = default_taxonomy()
    rest = words.replace(next(w for w in [tax.label(p, "en") for p in tax.purposes] if w in words), " ")
    return tax.purpose_from_text(words), tax.category_from_text(rest)


@pytest.mark.parametrize("said, table, purpose, category", [
    ("withdraw the third one", TABLE, "marketing.communications", "user.contact"),
    ("I'm ok with the first one now", TABLE, "analytics.reporting", "user.behavior"),
    ("turn off the last one", TABLE, "sales.follow_up", "user.contact"),
    ("撤回第三个", TABLE_ZH, "marketing.communications", "user.contact"),
    ("第一个我现在同意了", TABLE_ZH, "analytics.reporting", "user.behavior"),
])
def test_an_ordinal_after_the_consents_table_is_that_row(said, table, purpose, category):
    words = own_data.consent_row(said, _history(table))
    assert words is not None and _read(words) == (purpose, category), words


def test_no_row_without_an_ordinal_a_table_or_such_a_row():
    assert own_data.consent_row("withdraw it", _history(TABLE)) is None
    assert own_data.consent_row("withdraw the fifth one", _history(TABLE)) is None
    deals = json.dumps({"items": [{"deal": "D-1"}, {"deal": "D-2"}]})
    assert own_data.consent_row("withdraw the second one", _history(deals)) is None
    assert own_data.row_change("what is the second one?", _history(TABLE)) is None  # a question changes nothing


@pytest.mark.parametrize("said, yes", [
    ("Just say yes to all the consents", True), ("I agree to every permission, please turn them all on", True),
    ("我全部同意", True), ("所有授权都帮我打开吧", True),
    ("我都同意过哪些数据用途？", False), ("what are all the consents I gave?", False), ("withdraw all my consents", False),
    ("set consent for everything to yes", False),  # a use never named: asked (eighth round)
])
def test_every_use_at_once_is_read_only_from_a_request_that_allows(said, yes):
    assert own_data.grants_every_use(said) is yes


def test_every_use_is_read_back_as_exactly_the_uses_offered():
    tax = default_taxonomy()
    assert [tax.purpose_from_text(w) for w in own_data.every_use()] == list(own_data.USES_OFFERED)


def _consents(tessera):
    with tessera.store.session() as s:
        return [(c.contact_id, c.category, c.purpose, c.granted) for c in s.scalars(select(ConsentRecord))]


def _contacts(tessera):
    with tessera.store.session() as s:
        return {c.id: (c.full_name, c.email, c.phone, c.city, c.title) for c in s.scalars(select(Contact))}


def test_yes_to_all_shows_one_plan_and_grants_every_use_only_after_the_yes(ptessera):
    before, contacts = _consents(ptessera), _contacts(ptessera)
    fingerprint = business_fingerprint(ptessera.store)
    turn = ptessera.chat("cust.chen.jing", "all", "我全部同意")
    assert [c["name"] for c in turn.tool_calls] == ["grant_consent"] * 5 and turn.confirmation, turn.reply
    assert turn.confirmation["bulk"] and "训练AI模型" in turn.reply and "grant_consent" not in turn.reply
    assert written_tables(fingerprint, business_fingerprint(ptessera.store)) == []  # nothing before the yes
    ptessera.chat("cust.chen.jing", "all", "是的")
    me = ptessera.actor("cust.chen.jing").contact_id
    assert _consents(ptessera)[:len(before)] == before and _contacts(ptessera) == contacts
    assert _consents(ptessera)[len(before):] == [(me, "user.contact", p, True) for p in own_data.USES_OFFERED]


def test_the_third_row_withdrawn_after_the_table_and_nothing_else(ptessera):
    ptessera.chat("cust.mark.taylor", "table", "What have I agreed to so far?")
    before = _consents(ptessera)
    turn = ptessera.chat("cust.mark.taylor", "table", "withdraw the third one")
    assert [c["name"] for c in turn.tool_calls] == ["revoke_consent"] and turn.confirmation, turn.reply
    assert "(1)" not in turn.reply and _consents(ptessera) == before
    ptessera.chat("cust.mark.taylor", "table", "yes")
    me = ptessera.actor("cust.mark.taylor").contact_id
    assert _consents(ptessera) == before + [(me, "user.contact", "marketing.communications", False)]


def test_a_correction_confirmed_with_a_consent_change_is_said_in_a_sentence(ptessera):
    contacts = _contacts(ptessera)
    turn = ptessera.chat("cust.sarah.miller", "two", "My title is now Operations Director, and please no more sales "
                                                     "calls")
    assert [c["name"] for c in turn.tool_calls] == ["correct_my_data", "revoke_consent"] and turn.confirmation
    assert "correct_my_data" not in turn.reply and "Correct your title" in turn.reply, turn.reply
    assert "Head of Operations → Operations Director" in turn.reply
    assert _contacts(ptessera) == contacts  # the plan reads only
    zh = ptessera.chat("cust.li.na", "two", "我的手机号改成 13912345678，另外别拿我的数据训练模型")
    assert [c["name"] for c in zh.tool_calls] == ["correct_my_data", "revoke_consent"], zh.reply
    assert "更正您的电话" in zh.reply and "这类操作" not in zh.reply, zh.reply


@pytest.mark.parametrize("said, value", [
    ("My last name should be Miller-Grant now that I'm married", "Miller-Grant"),
    ("my title is now Head of Sales because I was promoted", "Head of Sales"),
    ("My surname should read Miller-Grant after my wedding", "Miller-Grant"),
    ("my title should be Head of After Sales", "Head of After Sales"),  # a word of the value stays
])
def test_the_reason_said_after_a_value_is_not_part_of_it(said, value):
    from crm.services.subjects import read_correction
    assert read_correction(said)[1] == value
