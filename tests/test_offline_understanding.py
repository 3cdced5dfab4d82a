"""The offline model reads before it acts: questions, what-ifs and rules never call a tool that writes, requests it
cannot serve get a plain "can't do that yet", a contact names their account and an account its open deal, and
"the second one" / "第二个" / "that deal" resolve. Phrasings here are not in the eval scenarios."""
from __future__ import annotations

import json

import jsonschema
import pytest

from llm import EntityName, Lexicon, register_offline_model
from llm.offline.lexicon import Relations
from crm.mood import Mood, asks_whether_possible, asks_whether_to, mood_of
from tests.test_offline_model import ACCOUNT, TOOLS, TODAY, Chat, text_of, tool

DEAL = {"type": "string", "x-entity": "deal", "description": "the deal: its id or words of its title"}
MOVE_DEAL = tool("move_deal_stage", "Move a deal to another pipeline stage.", [
    "move D-1042 to negotiation", "mark the deal as won", "we lost the Acme deal", "把D-1042改成赢单",
    "商机推进到方案阶段"], {
    "deal": DEAL,
    "stage": {"type": "string", "enum": ["lead", "qualified", "proposal", "negotiation", "won", "lost"]},
    "account": {**ACCOUNT, "description": "the deal's account"}}, ("deal", "stage"))
ERASE = tool("erase_my_data", "Erase the customer's personal data.", [
    "delete my data", "erase everything you hold about me", "forget me", "删除我的个人数据", "把我的信息都删掉"], {
    "what": {"type": "string", "x-slot": "free_text", "description": "what to erase"}}, ("what",))
MY_DATA = tool("my_data", "Show the personal data held about the customer.", [
    "what data do you have on me", "show my personal data", "你们存了我哪些信息", "我的个人数据"], {})
WRITES_AND_READS = [*TOOLS, MOVE_DEAL]
LEXICON = Lexicon(
    {"account": [EntityName("Acme Robotics"), EntityName("Northwind Freight"), EntityName("北辰医疗器械")],
     "contact": [EntityName("Nora Quist"), EntityName("周婷")],
     "deal": [EntityName(f"D-{n}") for n in (11, 12, 13)]},
    Relations(contact_accounts={"Nora Quist": ("Northwind Freight",), "周婷": ("北辰医疗器械",)},
              open_deals={"Northwind Freight": (("D-11", "CRM Suite", "qualified"),
                                                ("D-12", "Data Migration", "proposal")),
                          "Acme Robotics": (("D-13", "Edge Gateway", "negotiation"),)}))


SCHEMAS = {t["function"]["name"]: t["function"]["parameters"] for t in [*WRITES_AND_READS, ERASE, MY_DATA]}


def only_call(response) -> tuple[str, dict]:
    """The single tool call of a response, its arguments valid for the tool's JSON schema."""
    calls = response.choices[0].message.tool_calls
    assert calls and len(calls) == 1, response.choices[0].message.content
    name, args = calls[0].function.name, json.loads(calls[0].function.arguments)
    jsonschema.validate(args, SCHEMAS[name])
    return name, args


@pytest.fixture(autouse=True)
def offline_model():
    register_offline_model(LEXICON, clock=lambda: TODAY)
    yield
    register_offline_model(Lexicon())


@pytest.mark.parametrize("text, mood", [
    ("is there anything new on Acme?", Mood.QUESTION),
    ("北辰最近有投诉吗", Mood.QUESTION),
    ("what if I close the Acme deal as lost", Mood.HYPOTHETICAL),
    ("假如我撤回同意，会有什么影响", Mood.HYPOTHETICAL),
    ("每当客户投诉超过三次就升级给经理", Mood.RULE),
    ("if a deal is over 1m then notify me", Mood.RULE),
    ("could you log a call with Acme?", Mood.REQUEST),
    ("麻烦帮我把这单改成赢单好吗？", Mood.REQUEST),
    ("能把我的邮箱改成 a@b.cn 吗？", Mood.REQUEST),  # asks Tessera to act on something (把)
    ("我能删除别人记的备注吗？", Mood.QUESTION),  # asks whether the speaker may
    ("扫码枪坏了，能派人来修吗？", Mood.REQUEST),  # asks for someone to be sent
    ("mark D-11 as won", Mood.REQUEST),
    ("看一下和吴刚的会议", Mood.QUESTION),  # asking to see the meetings, not to log one
    ("show me the meetings with Nora Quist", Mood.QUESTION),
    ("look at Acme's biggest open deal and move it to negotiation", Mood.REQUEST),  # sees, then acts
    ("查一下北辰的商机，然后把最大的推进到谈判", Mood.REQUEST),
])
def test_the_mood_of_a_message(text, mood):
    assert mood_of(text) is mood


def test_a_what_if_about_a_stage_change_explains_and_calls_nothing():
    reply = text_of(Chat(WRITES_AND_READS).say("what would happen if I moved D-13 to lost?"))
    assert "Nothing was changed" in reply


def test_a_question_about_erasure_never_erases_and_a_data_question_reads():
    chat = Chat([ERASE, MY_DATA])
    assert "没有做任何改动" in text_of(chat.say("删掉我的数据以后还能恢复吗？"))
    assert only_call(Chat([ERASE, MY_DATA]).say("do you keep any personal data about me?"))[0] == "my_data"


@pytest.mark.parametrize("text, whether", [
    ("Am I able to get my personal data deleted at some point?", True),
    ("can I have everything you hold about me erased?", True),
    ("我能不能申请把我的资料全部删除？", True),
    ("delete my data", False),  # an order
    ("can you delete my data", False),  # a polite order
    ("is my phone number in your system?", False),  # a question answered by reading
])
def test_whether_a_message_asks_if_an_action_is_possible(text, whether):
    assert asks_whether_possible(text) is whether


@pytest.mark.parametrize("text, whether", [
    ("should I log the visit myself?", True),
    ("昨天的拜访需要我自己记录吗？", True),
    ("需要我把这个单子改成赢单吗", True),
    ("我要不要申请个折扣", True),
    ("log the visit to Acme", False),  # an order
    ("帮我记录一下今天的拜访", False),  # a polite order
    ("what did we log for Acme last week?", False),  # a question answered by reading
])
def test_whether_a_message_asks_if_the_speaker_should_act(text, whether):
    assert asks_whether_to(text) is whether


def test_asking_whether_to_log_or_move_explains_the_action_and_does_nothing():
    for text in ("昨天去博远电商拜访的事需要我自己记录吗？", "需要我把这个单子改成赢单吗"):
        response = Chat(WRITES_AND_READS).say(text)
        assert not response.choices[0].message.tool_calls, text
        assert "没有做任何改动" in text_of(response)


def test_asking_whether_deletion_is_possible_explains_it_and_erases_nothing():
    from tools.registry import ALL
    from tools.schema import openai_tool

    customer_tools = [openai_tool(ALL[n]) for n in ("my_data", "my_consents", "my_data_access", "where_did_you_get",
                                                    "export_my_data", "erase_my_data", "correct_my_data")]
    for text in ("Am I able to get my personal data deleted at some point?", "我能不能申请把我的个人数据删除？"):
        response = Chat(customer_tools).say(text)
        assert not response.choices[0].message.tool_calls, text
        assert "erase" in text_of(response).lower() or "删除" in text_of(response)


def test_asking_to_see_a_meeting_never_logs_one():
    response = Chat(TOOLS).say("看一下和周婷的会议")
    called = [c.function.name for c in (response.choices[0].message.tool_calls or [])]
    assert "log_activity" not in called and "open_case" not in called


def test_a_rule_in_words_is_not_carried_out():
    reply = text_of(Chat(WRITES_AND_READS).say("当客户超过30天没联系时，自动记一条备注"))
    assert "规则" in reply and "Nothing" not in reply


def test_a_request_it_cannot_serve_says_so_in_the_users_language():
    assert "can't do that yet" in text_of(Chat(WRITES_AND_READS).say("please update the model temperature to 0.3"))
    assert "还做不了" in text_of(Chat(WRITES_AND_READS).say("帮我订一张去北京的高铁票"))


def test_a_contact_names_their_account():
    name, args = only_call(Chat(WRITES_AND_READS).say("had a call with Nora Quist about the renewal"))
    assert name == "log_activity" and args["account"] == "Northwind Freight"
    name, args = only_call(Chat(WRITES_AND_READS).say("刚和周婷开完会，讨论了交付计划，记一下"))
    assert name == "log_activity" and args["account"] == "北辰医疗器械"


def test_an_account_with_one_open_deal_names_it():
    name, args = only_call(Chat(WRITES_AND_READS).say("Acme Robotics signed, close their deal as won"))
    assert (name, args["deal"], args["stage"]) == ("move_deal_stage", "D-13", "won")


@pytest.mark.parametrize("answer", ["the second one", "2", "D-12"])
def test_an_account_with_two_open_deals_offers_them_numbered(answer):
    chat = Chat(WRITES_AND_READS)
    question = text_of(chat.say("push the Northwind Freight deal to negotiation"))
    assert "(1) D-11" in question and "(2) D-12" in question
    name, args = only_call(chat.say(answer))
    assert (name, args["deal"], args["stage"]) == ("move_deal_stage", "D-12", "negotiation")


def test_a_chinese_question_about_deals_is_wholly_chinese_and_takes_an_ordinal():
    chat = Chat(WRITES_AND_READS)
    question = text_of(chat.say("把Northwind Freight的单子改成谈判"))
    assert "（方案）" in question and "proposal" not in question
    assert only_call(chat.say("第二个"))[1]["deal"] == "D-12"


@pytest.mark.parametrize("yes", ["yes", "ok", "好的"])
def test_a_bare_yes_to_which_deal_names_no_deal_and_the_question_stands(yes):
    chat = Chat(WRITES_AND_READS)
    question = text_of(chat.say("push the Northwind Freight deal to negotiation"))
    assert text_of(chat.say(yes)) == question  # never a deal called "yes"
    name, args = only_call(chat.say("the second one"))  # the question still resolves
    assert (name, args["deal"], args["stage"]) == ("move_deal_stage", "D-12", "negotiation")


@pytest.mark.parametrize("no, said", [("no", "nothing was changed"), ("算了", "没有做任何改动")])
def test_a_bare_no_to_a_clarifying_question_drops_the_request(no, said):
    chat = Chat(WRITES_AND_READS)
    text_of(chat.say("push the Northwind Freight deal to negotiation"))
    dropped = text_of(chat.say(no))  # no tool call
    assert said in dropped and "?" not in dropped and "？" not in dropped


def test_that_deal_after_a_list_of_one_is_that_deal():
    chat = Chat(WRITES_AND_READS)
    only_call(chat.say("Acme Robotics deals in negotiation"))
    chat.tool_result({"items": [{"deal": "D-13", "account": "Acme Robotics", "stage": "negotiation"}], "total": 1})
    name, args = only_call(chat.say("great, move that deal to won"))
    assert (name, args["deal"], args["stage"]) == ("move_deal_stage", "D-13", "won")


def test_a_new_request_is_not_taken_as_the_answer_to_a_pending_question():
    chat = Chat(WRITES_AND_READS)
    assert "?" in text_of(chat.say("log a meeting"))
    name, args = only_call(chat.say("never mind, who are the contacts at Acme Robotics"))
    assert name == "find_contacts" and args == {"account": "Acme Robotics"}


def test_the_offline_model_knows_which_of_tessera_tools_write():
    from llm.offline.schema import parse_tools
    from tools.registry import ALL
    from tools.schema import openai_tool

    views = parse_tools([openai_tool(t) for t in ALL.values()])
    assert {v.name for v in views if v.writes} == {name for name, t in ALL.items() if t.writes}


@pytest.mark.parametrize("figure", ["late payments by unit this year", "今年各事业部的投诉数量"])
def test_a_figure_asked_for_is_no_answer_to_a_pending_question_and_opens_no_case(figure):
    chat = Chat()
    asked = chat.say("open a case")
    assert not asked.choices[0].message.tool_calls  # "what should the text say?"
    reply = chat.say(figure)
    assert not reply.choices[0].message.tool_calls, reply.choices[0].message.tool_calls
    assert not Chat().say(figure).choices[0].message.tool_calls  # nor when asked first


@pytest.mark.parametrize("text, access", [
    ("Has anybody on your side looked at my email address?", True),
    ("上个月有人看过我的资料吗", True),
    ("Has anybody looked into the complaint I raised?", False),  # who looked, but at a case, not at the data
    ("is my phone number in your system?", False),  # the data, but nobody looking
    ("你们有我的电话吗？", False),
])
def test_who_read_my_data_needs_both_someone_looking_and_a_piece_of_the_data(text, access):
    from llm.offline import cues

    assert bool(cues.cue("my_data_access", text)) is access
