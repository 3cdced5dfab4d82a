"""A customer's words of the eighth round: a way of being contacted named without a use ("don't call me anymore",
"别再给我发短信了") is that channel's marketing, withdrawn only after a yes; "谁能看到我的手机号" reads the access log;
"我同意你们…" keeps whole words; a deletion naming nothing ("I'd like something deleted", "some of my data") is asked
about with numbered kinds, never read as everything; an answer naming one of the numbered uses ("the marketing one")
is that use."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from crm.privacy.erasure import UnclearRequest, scope_from_text
from crm.privacy.models import ConsentRecord
from crm.privacy.taxonomy import default_taxonomy
from evals.state import business_fingerprint, written_tables
from llm.offline import own_data
from llm.offline.arguments import fill
from llm.offline.contrast import STOP, direction
from llm.offline.lexicon import Lexicon
from llm.offline.reading import Reading
from llm.offline.schema import parse_tools
from tests.privacy_support import privacy_dir, ptessera  # noqa: F401
from tools.registry import ALL
from tools.schema import openai_tool

VIEWS = {v.name: v for v in parse_tools([openai_tool(t) for t in ALL.values()])}
TODAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize("said, category", [
    ("don't call me anymore", "user.contact.phone_number"),
    ("以后别再给我打电话了", "user.contact.phone_number"),
    ("stop texting me", "user.contact.phone_number"),
    ("不要再给我发短信了", "user.contact.phone_number"),
    ("quit emailing me", "user.contact.email"),
])
def test_a_channel_named_without_a_use_is_its_marketing(said, category):
    tax = default_taxonomy()
    assert tax.purpose_from_text(said) is None
    assert tax.use_from_text(said) == "marketing.communications"
    assert tax.channel_from_text(said)["category"] == category


def test_a_use_named_wins_over_the_channel():
    assert default_taxonomy().use_from_text("no more sales calls please") == "sales.follow_up"
    assert default_taxonomy().use_from_text("别再给我发推广短信了") == "marketing.communications"


def test_a_polite_request_to_quit_reads_as_stop():
    assert direction("Can you quit emailing me") == STOP


def test_dont_call_me_withdraws_phone_marketing_after_the_yes_and_nothing_else(ptessera):
    def consents():
        with ptessera.store.session() as s:
            return [(c.contact_id, c.category, c.purpose, c.granted) for c in s.scalars(select(ConsentRecord))]

    before = consents()
    turn = ptessera.chat("cust.mark.taylor", "calls", "Don't call me anymore")
    assert [c["name"] for c in turn.tool_calls] == ["revoke_consent"] and turn.confirmation, turn.reply
    assert consents() == before  # nothing before the yes
    ptessera.chat("cust.mark.taylor", "calls", "yes")
    added = consents()[len(before):]
    me = ptessera.actor("cust.mark.taylor").contact_id
    assert consents()[:len(before)] == before  # earlier records stay as history
    assert added == [(me, "user.contact.phone_number", "marketing.communications", False)]


@pytest.mark.parametrize("said", ["我同意你们给我发促销短信", "我同意你们用我的购买记录做统计分析", "我同意接收营销信息"])
def test_i_agree_keeps_whole_words_of_the_use(said):
    what = fill(VIEWS["grant_consent"], Reading(said, Lexicon(), TODAY)).args["what"]
    assert not what.startswith("意"), what
    assert default_taxonomy().purpose_from_text(what) == default_taxonomy().purpose_from_text(said)


@pytest.mark.parametrize("said", ["some of my data", "帮我删点数据", "I'd like something deleted", "我想删掉一些东西"])
def test_an_erasure_naming_a_part_but_not_which_is_asked_never_everything(said):
    with pytest.raises(UnclearRequest):
        scope_from_text(said)


@pytest.mark.parametrize("said, scope", [
    ("delete my data", "user"), ("删除我的全部数据", "user"), ("forget me", "user"),
    ("remove some of my purchase history", "user.behavior.purchase_history"),
])
def test_an_erasure_naming_everything_or_a_kind_is_read_as_said(said, scope):
    assert scope_from_text(said) == scope


@pytest.mark.parametrize("reply, use", [
    ("the marketing one", "marketing.communications"), ("营销那个", "marketing.communications"),
    ("the AI one", "train_ai_system"), ("第三方那个", "third_party_sharing"), ("2", "marketing.communications"),
])
def test_an_answer_naming_a_numbered_use_is_that_use(reply, use):
    from llm.offline.decide import _ordinal
    words = own_data.picked_use(VIEWS["revoke_consent"], reply, _ordinal)
    assert default_taxonomy().purpose_from_text(words) == use


def test_a_narrower_use_than_the_options_is_no_pick():
    from llm.offline.decide import _ordinal
    assert own_data.picked_use(VIEWS["revoke_consent"], "sharing with SF Express", _ordinal) is None


@pytest.mark.parametrize("login, message", [
    ("cust.mark.taylor", "I'd like something deleted"),
    ("cust.sarah.miller", "Please erase some of my data"),
    ("cust.li.na", "我想删掉一些东西"),
])
def test_a_deletion_naming_nothing_asks_with_numbered_kinds_and_writes_nothing(ptessera, login, message):
    before = business_fingerprint(ptessera.store)
    turn = ptessera.chat(login, "vague", message)
    assert turn.tool_calls == [] and "(1)" in turn.reply and "(5)" in turn.reply, turn.reply
    assert written_tables(before, business_fingerprint(ptessera.store)) == []
    answered = ptessera.chat(login, "vague", "2")  # purchase history: its plan, still nothing erased before a yes
    assert [c["name"] for c in answered.tool_calls] == ["erase_my_data"] and answered.confirmation
    assert scope_from_text(answered.tool_calls[0]["args"]["what"]) == "user.behavior.purchase_history"
    assert written_tables(before, business_fingerprint(ptessera.store)) == []


@pytest.mark.parametrize("login, message", [("cust.chen.jing", "谁能看到我的手机号"),
                                            ("cust.mark.taylor", "Which people at your company can view my address?")])
def test_who_can_see_a_piece_of_data_reads_the_access_log(ptessera, login, message):
    before = business_fingerprint(ptessera.store)
    turn = ptessera.chat(login, "who", message)
    assert [c["name"] for c in turn.tool_calls] == ["my_data_access"], turn.reply
    assert written_tables(before, business_fingerprint(ptessera.store)) == []


def _contacts(tessera):
    from crm.models import Contact
    with tessera.store.session() as s:
        return {c.id: (c.full_name, c.email, c.phone, c.city, c.title) for c in s.scalars(select(Contact))}


def _consents(tessera):
    with tessera.store.session() as s:
        return [(c.contact_id, c.category, c.purpose, c.granted) for c in s.scalars(select(ConsentRecord))]


def test_two_requests_in_one_message_are_both_done_after_one_yes_and_nothing_else_changes(ptessera):
    contacts, consents = _contacts(ptessera), _consents(ptessera)
    turn = ptessera.chat("cust.sarah.miller", "two", "Update my phone to +86 139 1234 5678 and unsubscribe me from the "
                                                     "newsletter")
    assert [c["name"] for c in turn.tool_calls] == ["correct_my_data", "revoke_consent"] and turn.confirmation
    assert _contacts(ptessera) == contacts and _consents(ptessera) == consents  # nothing before the yes
    ptessera.chat("cust.sarah.miller", "two", "yes")
    me = ptessera.actor("cust.sarah.miller").contact_id
    after = _contacts(ptessera)
    assert {k for k in after if after[k] != contacts[k]} == {me}
    assert after[me][2] == "+86 139 1234 5678" and after[me][:2] == contacts[me][:2]
    assert _consents(ptessera)[len(consents):] == [(me, "user", "marketing.communications", False)]


def test_a_second_request_that_needs_a_question_is_said_plainly_not_done(ptessera):
    consents = _consents(ptessera)
    turn = ptessera.chat("cust.mark.taylor", "two", "change my email to mark.t@newmail.com and set consent for "
                                                    "everything to yes")
    assert [c["name"] for c in turn.tool_calls] == ["correct_my_data"], turn.reply
    assert "Not done" in turn.reply and "(1)" in turn.reply
    assert _consents(ptessera) == consents  # no consent given for a use never named


def test_a_clause_saying_what_to_keep_is_no_second_request(ptessera):
    turn = ptessera.chat("cust.chen.jing", "keep", "我不想再收到你们的营销短信了，但是服务通知可以继续发")
    assert [c["name"] for c in turn.tool_calls] == ["revoke_consent"], turn.reply
