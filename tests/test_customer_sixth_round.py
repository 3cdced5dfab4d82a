"""A customer's words of the sixth round: a move names the new city and corrects only that; asking whether a field
can be changed asks for the value and writes nothing, the value then corrects that field alone; taking back "a
permission" asks which use and withdraws only the one picked, never undoing something else; a copy asked for in
everyday words is an export that writes nothing; another company's prices or discounts are never shown."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.models import Contact
from crm.privacy.taxonomy import covers
from crm.services.moves import moved_to
from evals.state import business_fingerprint, written_tables
from tests.privacy_support import call, privacy_dir, ptessera  # noqa: F401
from tests.security.erasure_support import changed_rows, snapshot

COLUMNS = ("full_name", "email", "phone", "city", "title")


def _people(app) -> dict:
    with app.store.session() as s:
        return {c.id: tuple(getattr(c, k) for k in COLUMNS) for c in s.scalars(select(Contact))}


def _me(app, name: str) -> int:
    with app.store.session() as s:
        return s.scalar(select(Contact.id).where(Contact.full_name == name))


@pytest.mark.parametrize("said, place", [
    ("I'm based in Nanjing these days, your records still have the old city", "Nanjing"),
    ("We relocated to Suzhou in October, please update my city", "Suzhou"),
    ("I moved to New York in May", "New York"),
    ("我搬家了，现在住在南京", "南京"),
    ("我上个月调去杭州上班了", "杭州"),
    ("我们公司搬到石家庄市了", "石家庄"),
])
def test_a_move_names_the_place_without_the_words_around_it(said, place):
    assert moved_to(said) == place


@pytest.mark.parametrize("said", ["I moved to a new office", "I work in procurement", "我现在在开会", "我现在在外面",
                                  "the deal moved to negotiation", "Where do you think I live?"])
def test_words_that_name_no_place_are_no_move(said):
    assert moved_to(said) is None


@pytest.mark.parametrize("login, name, message, value", [
    ("cust.chen.jing", "陈静", "我现在在苏州上班", "苏州"),
    ("cust.sarah.miller", "Sarah Miller", "I'm based in Nanjing these days, your records still have the old city",
     "Nanjing"),
])
def test_a_move_said_in_chat_corrects_the_city_and_nothing_else(ptessera, login, name, message, value):
    before, me = _people(ptessera), _me(ptessera, name)
    turn = ptessera.chat(login, "c", message)
    assert [c["name"] for c in turn.tool_calls] == ["correct_my_data"], turn.reply
    after = _people(ptessera)
    assert {k: v for k, v in after.items() if k != me} == {k: v for k, v in before.items() if k != me}
    assert [c for c, a, b in zip(COLUMNS, after[me], before[me]) if a != b] == ["city"]
    assert after[me][COLUMNS.index("city")] == value


@pytest.mark.parametrize("login, name, question, value, column", [
    ("cust.mark.taylor", "Mark Taylor", "Can I change my email address?", "mark.t@acme-robotics.com", "email"),
    ("cust.he.min", "何敏", "手机号可以换吗？", "13812345678", "phone"),
])
def test_asking_whether_a_field_can_be_changed_asks_for_the_value_and_the_value_then_corrects_it(
        ptessera, login, name, question, value, column):
    before, me = _people(ptessera), _me(ptessera, name)
    fingerprint = business_fingerprint(ptessera.store)
    asked = ptessera.chat(login, "c", question)
    assert asked.tool_calls == [] and written_tables(fingerprint, business_fingerprint(ptessera.store)) == []
    assert _people(ptessera) == before
    done = ptessera.chat(login, "c", value)
    assert [c["name"] for c in done.tool_calls] == ["correct_my_data"], done.reply
    after = _people(ptessera)
    assert {k: v for k, v in after.items() if k != me} == {k: v for k, v in before.items() if k != me}
    assert [c for c, a, b in zip(COLUMNS, after[me], before[me]) if a != b] == [column]


def test_taking_back_a_permission_asks_which_and_withdraws_only_the_use_picked(ptessera):
    before, fingerprint = snapshot(ptessera.store), business_fingerprint(ptessera.store)
    asked = ptessera.chat("cust.mark.taylor", "c", "I want to take back a permission I gave you")
    assert asked.tool_calls == [] and "(4)" in asked.reply  # which use, numbered; no undo of anything
    assert written_tables(fingerprint, business_fingerprint(ptessera.store)) == []
    planned = ptessera.chat("cust.mark.taylor", "c", "4")
    assert [c["name"] for c in planned.tool_calls] == ["revoke_consent"] and planned.confirmation
    ptessera.chat("cust.mark.taylor", "c", "yes")
    with ptessera.store.session() as s:
        from crm.privacy.models import ConsentRecord
        newest = s.scalars(select(ConsentRecord).order_by(ConsentRecord.id.desc())).first()
        assert newest.contact_id == _me(ptessera, "Mark Taylor")
        assert (newest.purpose, newest.granted) == ("train_ai_system", False)
    assert set(changed_rows(before, snapshot(ptessera.store))) & {"contacts", "privacy_field_history", "cases"} == set()


@pytest.mark.parametrize("login, message", [
    ("cust.mark.taylor", "could you email me a file with all my records"),
    ("cust.he.min", "把我在你们这儿的所有记录整理成一个文件发到我邮箱"),
])
def test_a_copy_asked_for_in_everyday_words_is_an_export_that_writes_nothing(ptessera, login, message):
    before = business_fingerprint(ptessera.store)
    turn = ptessera.chat(login, "c", message)
    assert [c["name"] for c in turn.tool_calls] == ["export_my_data"], turn.reply
    assert written_tables(before, business_fingerprint(ptessera.store)) == []


@pytest.mark.parametrize("login, message, said", [
    ("cust.mark.taylor", "what discount did Acme Robotics get?", "your own data"),
    ("cust.sarah.miller", "What price is Northwind Traders paying for the gateways?", "your own data"),
    ("cust.chen.jing", "海天电子那边拿到的折扣是多少？", "您本人的数据"),
    ("cust.li.na", "别的客户买同样的产品花了多少钱？", "您本人的数据"),
])
def test_another_companys_prices_or_discounts_are_never_shown(ptessera, login, message, said):
    before = business_fingerprint(ptessera.store)
    turn = ptessera.chat(login, "c", message)
    assert turn.tool_calls == [] and said in turn.reply
    assert written_tables(before, business_fingerprint(ptessera.store)) == []


def test_a_shipping_change_to_ones_own_site_is_not_taken_for_another_company(ptessera):
    turn = ptessera.chat("cust.mark.taylor", "c", "can you change the shipping address on my last order to our Suzhou plant?")
    assert turn.tool_calls == [] and "your own data" not in turn.reply


@pytest.mark.parametrize("login, first, pick, purpose", [
    ("cust.sarah.miller", "I'd like to cancel a consent", "number 3", "analytics.reporting"),
    ("cust.he.min", "我想撤回一个授权", "选2", "marketing.communications"),
    ("cust.he.min", "我想撤回一个授权", "第三项", "analytics.reporting"),
])
def test_an_ordinal_said_with_words_around_it_picks_that_use_and_only_that_one_is_withdrawn(ptessera, login, first,
                                                                                         pick, purpose):
    before = snapshot(ptessera.store)
    assert ptessera.chat(login, "c", first).tool_calls == []
    planned = ptessera.chat(login, "c", pick)
    assert [c["name"] for c in planned.tool_calls] == ["revoke_consent"] and planned.confirmation
    ptessera.chat(login, "c", "yes")
    with ptessera.store.session() as s:
        from crm.privacy.models import ConsentRecord
        newest = s.scalars(select(ConsentRecord).order_by(ConsentRecord.id.desc())).first()
        assert covers(newest.purpose, purpose) and not newest.granted  # that use (analytics covers its reporting)
    assert set(changed_rows(before, snapshot(ptessera.store))) & {"contacts", "privacy_field_history", "cases"} == set()


@pytest.mark.parametrize("login, name, said, value, column, words", [
    ("cust.sarah.miller", "Sarah Miller", "my title changed", "Director of Operations", "title", "title corrected"),
    ("cust.li.na", "李娜", "我的职位变了", "现在是采购经理", "title", "已更正您的职位"),
    ("cust.chen.jing", "陈静", "我的手机号换了", "13698765432", "phone", "已更正您的电话"),
])
def test_a_field_said_changed_asks_the_value_and_the_value_alone_corrects_that_field(ptessera, login, name, said,
                                                                                    value, column, words):
    before, me = _people(ptessera), _me(ptessera, name)
    asked = ptessera.chat(login, "c", said)
    assert asked.tool_calls == [] and _people(ptessera) == before
    done = ptessera.chat(login, "c", value)
    assert [c["name"] for c in done.tool_calls] == ["correct_my_data"], done.reply
    assert words in done.reply  # a bare number is answered in the language of the conversation
    after = _people(ptessera)
    assert {k: v for k, v in after.items() if k != me} == {k: v for k, v in before.items() if k != me}
    assert [c for c, a, b in zip(COLUMNS, after[me], before[me]) if a != b] == [column]
