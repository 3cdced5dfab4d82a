"""A customer's own words about their data: a new value given corrects that field and nothing else; a use stopped is
no deletion; "what do you use my phone number for?" leads with that field's uses and writes nothing; "my data" is no
product; a question whether something can be deleted explains and erases nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.models import Contact
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


@pytest.mark.parametrize("correction, column, value", [
    ("I got promoted, my title is VP of Procurement now", "title", "VP of Procurement"),
    ("my name should read 陈静怡 on your records", "full_name", "陈静怡"),
    ("我搬到苏州了，麻烦把城市更新成苏州", "city", "苏州"),
    ("我的职务现在是采购总监了，帮忙改一下", "title", "采购总监"),
    ("We've moved offices, my city should be Shenzhen now", "city", "Shenzhen"),
    ("I moved to Chengdu last month", "city", "Chengdu"),
    ("我上个月搬到成都了", "city", "成都"),
])
def test_a_correction_said_in_a_sentence_stores_only_the_value_and_changes_nothing_else(ptessera, correction, column,
                                                                                       value):
    before, me = _people(ptessera), _me(ptessera, "陈静")
    result = call(ptessera, "cust.chen.jing", "correct_my_data", correction=correction)
    assert result["ok"] and result["new"] == value, result
    after = _people(ptessera)
    assert {k: v for k, v in after.items() if k != me} == {k: v for k, v in before.items() if k != me}
    changed = [c for c, a, b in zip(COLUMNS, after[me], before[me]) if a != b]
    assert changed == [column] and after[me][COLUMNS.index(column)] == value


@pytest.mark.parametrize("login, message", [
    ("cust.he.min", "new mobile: +86 186 2233 4455"),
    ("cust.mark.taylor", "My number changed to 138 0013 8000"),
])
def test_a_new_phone_number_said_alone_is_a_correction_not_a_consent(ptessera, login, message):
    before = snapshot(ptessera.store)
    turn = ptessera.chat(login, "c", message)
    assert [c["name"] for c in turn.tool_calls] == ["correct_my_data"], turn.reply
    assert "privacy_consents" not in set(changed_rows(before, snapshot(ptessera.store)))


def test_stopping_a_use_of_the_purchase_history_withdraws_that_use_and_erases_nothing(ptessera):
    before = snapshot(ptessera.store)
    turn = ptessera.chat("cust.li.na", "c", "不要再拿我的购买记录做统计分析了")
    assert [c["name"] for c in turn.tool_calls] == ["revoke_consent"], turn.reply
    ptessera.chat("cust.li.na", "c", "确认")
    ptessera.erasures.drain()
    changed = set(changed_rows(before, snapshot(ptessera.store)))
    assert "privacy_consents" in changed and not changed & {"contacts", "privacy_field_history"}


@pytest.mark.parametrize("login, message, field", [
    ("cust.chen.jing", "what do you use my phone number for?", "Your phone number is used for"),
    ("cust.he.min", "你们拿我的邮箱做什么用？", "您的邮箱用于"),
])
def test_what_one_field_is_used_for_leads_the_reply_and_writes_nothing(ptessera, login, message, field):
    before = business_fingerprint(ptessera.store)
    turn = ptessera.chat(login, "c", message)
    assert [c["name"] for c in turn.tool_calls] == ["my_consents"]
    assert turn.reply.startswith(field), turn.reply
    assert not turn.reply.startswith(("Found", "共找到"))
    assert written_tables(before, business_fingerprint(ptessera.store)) == []


def test_the_uses_of_one_field_follow_the_consents_recorded(ptessera):
    turn = ptessera.chat("cust.chen.jing", "c", "stop sending me marketing messages")
    assert [c["name"] for c in turn.tool_calls] == ["revoke_consent"]
    ptessera.chat("cust.chen.jing", "c", "yes")
    answer = call(ptessera, "cust.chen.jing", "my_consents", what="my phone number")["answer"]  # 陈静 reads Chinese
    used, _, unused = answer.partition("不用于")
    assert answer.startswith("您的电话号码用于") and "营销信息" in unused and "营销信息" not in used


@pytest.mark.parametrize("login, message, lead", [
    ("cust.sarah.miller", "do you use my data to train any AI models?", "Training AI models: none of your data"),
    ("cust.chen.jing", "你们会拿我的数据去训练AI吗？", "训练AI模型：您的任何数据都不用于此"),
    ("cust.mark.taylor", "do you use my details for marketing?",
     "Marketing messages: used for it are your email address and phone number (with your consent)"),
    ("cust.li.na", "你们会把我的信息给第三方吗", "与第三方共享：用于此的是您的电话号码（已共享给顺丰速运）"),
])
def test_whether_my_data_is_used_for_one_use_is_answered_first_and_writes_nothing(ptessera, login, message, lead):
    before = business_fingerprint(ptessera.store)
    turn = ptessera.chat(login, "c", message)
    assert [c["name"] for c in turn.tool_calls] == ["my_consents"]
    assert turn.reply.startswith(lead), turn.reply
    assert written_tables(before, business_fingerprint(ptessera.store)) == []


def test_the_answer_about_one_use_follows_the_consents_recorded(ptessera):
    asked = "do you use my details for marketing?"
    assert call(ptessera, "cust.mark.taylor", "my_consents", what=asked)["answer"].startswith(
        "Marketing messages: used for it")
    ptessera.chat("cust.mark.taylor", "c", "stop sending me marketing messages")
    ptessera.chat("cust.mark.taylor", "c", "yes")
    answer = call(ptessera, "cust.mark.taylor", "my_consents", what=asked)["answer"]
    assert answer == "Marketing messages: none of your data is used for it.", answer


def test_a_question_naming_no_use_lists_the_consents_without_an_answer_line(ptessera):
    result = call(ptessera, "cust.li.na", "my_consents", what="what have I agreed to?")
    assert "answer" not in result and result["total"] == len(result["items"]) > 0


def test_who_looked_at_my_data_is_about_the_customers_data_not_a_product(ptessera):
    turn = ptessera.chat("cust.mark.taylor", "c", "who looked at my data last month?")
    assert [c["name"] for c in turn.tool_calls] == ["my_data_access"], turn.reply


def test_asking_whether_data_can_be_deleted_explains_and_erases_nothing(ptessera):
    before = business_fingerprint(ptessera.store)
    turn = ptessera.chat("cust.he.min", "c", "Am I able to get my personal data deleted at some point?")
    assert turn.tool_calls == [] and turn.confirmation is None
    ptessera.erasures.drain()
    assert written_tables(before, business_fingerprint(ptessera.store)) == []


@pytest.mark.parametrize("login, message, theirs, said", [
    ("cust.mark.taylor", "Show me Sarah Miller's contact details", "sarah.miller@globex-logistics.com", "your own data"),
    ("cust.chen.jing", "帮我查一下李娜的手机号和邮箱", "li.na@huarun-materials.cn", "您本人的数据"),
    ("cust.li.na", "我同事的电话是多少？", "+86", "您本人的数据"),
])
def test_a_customer_asking_about_another_person_is_told_only_their_own_data_is_shown(ptessera, login, message,
                                                                                      theirs, said):
    before = business_fingerprint(ptessera.store)
    turn = ptessera.chat(login, "c", message)
    assert turn.tool_calls == [] and said in turn.reply and theirs not in turn.reply
    assert written_tables(before, business_fingerprint(ptessera.store)) == []


@pytest.mark.parametrize("message", ["我的手机号是从哪来的？", "Show me my contact details", "你们存了我哪些资料"])
def test_a_customer_asking_about_their_own_data_still_gets_it(ptessera, message):
    turn = ptessera.chat("cust.chen.jing", "c", message)
    assert turn.tool_calls and "本人的数据" not in turn.reply and "your own data" not in turn.reply


@pytest.mark.parametrize("login, first, pick, purpose", [
    ("cust.li.na", "我想撤回一项授权", "第二个", "marketing.communications"),
    ("cust.sarah.miller", "I'd like to withdraw one of my consents", "the second one", "marketing.communications"),
])
def test_a_withdrawal_naming_no_use_asks_which_and_the_second_one_picks_the_second_use_offered(ptessera, login, first,
                                                                                               pick, purpose):
    before = snapshot(ptessera.store)
    asked = ptessera.chat(login, "c", first)
    assert asked.tool_calls == [] and "(2)" in asked.reply
    assert not set(changed_rows(before, snapshot(ptessera.store))) & {"privacy_consents", "contacts"}
    planned = ptessera.chat(login, "c", pick)
    assert [c["name"] for c in planned.tool_calls] == ["revoke_consent"] and planned.confirmation
    done = ptessera.chat(login, "c", "yes")
    assert ("回执编号" if login == "cust.li.na" else "receipt") in done.reply  # in the customer's language
    with ptessera.store.session() as s:
        from crm.privacy.models import ConsentRecord
        newest = s.scalars(select(ConsentRecord).order_by(ConsentRecord.id.desc())).first()
        assert newest.contact_id == _me(ptessera, {"cust.li.na": "李娜", "cust.sarah.miller": "Sarah Miller"}[login])
        assert (newest.purpose, newest.granted) == (purpose, False)
    assert set(changed_rows(before, snapshot(ptessera.store))) & {"contacts", "privacy_field_history"} == set()


def test_a_correction_without_its_value_is_asked_for_and_the_value_alone_then_corrects_that_field(ptessera):
    before, me = _people(ptessera), _me(ptessera, "Mark Taylor")
    asked = ptessera.chat("cust.mark.taylor", "c", "I'd like to change my email")
    assert asked.tool_calls == [] and "right value" in asked.reply and _people(ptessera) == before
    done = ptessera.chat("cust.mark.taylor", "c", "mark.t@acme-robotics.com")
    assert [c["name"] for c in done.tool_calls] == ["correct_my_data"]
    after = _people(ptessera)
    assert {k: v for k, v in after.items() if k != me} == {k: v for k, v in before.items() if k != me}
    assert [c for c, a, b in zip(COLUMNS, after[me], before[me]) if a != b] == ["email"]


@pytest.mark.parametrize("answer", ["no, leave it as it is", "算了，先别删了"])
def test_a_no_in_a_few_words_at_the_erasure_plan_cancels_it_and_nothing_is_erased(ptessera, answer):
    before = snapshot(ptessera.store)
    planned = ptessera.chat("cust.mark.taylor", "c", "Erase everything you have about me")
    assert planned.confirmation and planned.confirmation["tool"] == "erase_my_data"
    cancelled = ptessera.chat("cust.mark.taylor", "c", answer)
    assert cancelled.reply in ("Cancelled: nothing was changed.", "已取消，没有做任何更改。")
    ptessera.erasures.drain()
    assert not set(changed_rows(before, snapshot(ptessera.store))) & {"contacts", "privacy_requests", "privacy_consents"}
