"""The offline model `tessera/offline` as an agent meets it: OpenAI-style calls through LiteLLM, no API key."""
from __future__ import annotations

import asyncio
import datetime as dt
import json

import jsonschema
import litellm
import pytest

from llm import EntityName, Lexicon, parse_trace, register_offline_model

TODAY = dt.date(2026, 11, 26)
ACCOUNT = {"type": "string", "x-entity": "account", "description": "the customer account"}


def tool(name: str, summary: str, examples: list[str], properties: dict, required: tuple = ()) -> dict:
    description = "\n".join([summary, "", "Examples:", *[f"- {e}" for e in examples]])
    return {"type": "function", "function": {"name": name, "description": description, "parameters": {
        "type": "object", "properties": properties, "required": list(required)}}}


FIND_DEALS = tool("find_deals", "Find deals (opportunities), filtered by account, stage and period.", [
    "show me the deals for Globex", "which deals are in negotiation", "list open opportunities",
    "pipeline for Acme this quarter", "deals we won last month", "看一下北辰的商机", "谈判阶段的商机有哪些",
    "上季度赢单的商机"], {
    "account": ACCOUNT,
    "stage": {"type": "string", "enum": ["lead", "qualified", "proposal", "negotiation", "won", "lost"],
              "description": "deal stage"},
    "period": {"type": "object", "x-slot": "period", "description": "expected close period",
               "properties": {"start": {"type": "string"}, "end": {"type": "string"}, "label": {"type": "string"}}}})
LOG_ACTIVITY = tool("log_activity", "Log a call, meeting, email or note on an account.", [
    "log a call with Globex", "I just had a meeting with Acme", "record an email to the customer",
    "note for Acme: they want a demo", "记录一次和北辰的电话", "今天拜访了客户", "给北辰发了邮件，记一下",
    "添加备注：客户预算有限"], {
    "account": {**ACCOUNT, "description": "the account the activity is logged on"},
    "kind": {"type": "string", "enum": ["call", "meeting", "email", "note"], "description": "kind of activity"},
    "note": {"type": "string", "x-slot": "free_text", "description": "what happened"}}, ("account", "kind"))
ACCOUNT_SUMMARY = tool("account_summary", "Summarise an account: owner, open deals, recent activity and cases.", [
    "tell me about Acme", "give me an overview of Globex", "what's going on with this account",
    "account summary for Acme", "how is our relationship with Globex", "介绍一下北辰这个客户", "北辰的客户概况",
    "这个客户最近怎么样"], {"account": {**ACCOUNT, "description": "the account to summarise"}}, ("account",))
OPEN_CASE = tool("open_case", "Open a service case or complaint for a customer.", [
    "open a case: the robot arm stopped working", "the customer complains about late delivery",
    "file a complaint for Globex about billing errors", "create a support ticket", "Acme reports a broken sensor",
    "客户投诉交货延迟", "帮北辰开一个工单：设备无法开机", "新建一个售后问题"], {
    "text": {"type": "string", "x-slot": "free_text", "description": "what the customer reports"},
    "account": {**ACCOUNT, "description": "the account the case is for"}}, ("text",))
FIND_CONTACTS = tool("find_contacts", "Find contact people at an account.", [
    "who are our contacts at Acme", "list contacts for Globex", "who should I talk to at Acme",
    "show me the people at Globex", "北辰的联系人", "北辰那边谁负责采购", "列出客户的联系人", "find the contact person"],
    {"account": ACCOUNT})
TOOLS = [FIND_DEALS, LOG_ACTIVITY, ACCOUNT_SUMMARY, OPEN_CASE, FIND_CONTACTS]
SCHEMAS = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}

LEXICON = Lexicon({"account": [EntityName("Acme Robotics"), EntityName("北辰医疗器械"),
                               EntityName("Globex Logistics", ("Globex Logistics Ltd",))]})


@pytest.fixture(autouse=True)
def offline_model():
    # Other tests register the model with the store's lexicon: register ours for every test.
    register_offline_model(LEXICON, clock=lambda: TODAY)
    yield
    register_offline_model(LEXICON)


class Chat:
    """A conversation with the offline model, kept the way an agent keeps it (OpenAI message dicts)."""

    def __init__(self, tools: list[dict] = TOOLS):
        self.tools = tools
        self.messages: list[dict] = []

    def say(self, text: str):
        self.messages.append({"role": "user", "content": text})
        return self._answer()

    def tool_result(self, result: dict, call_index: int = 0):
        call = self.messages[-1]["tool_calls"][call_index]
        self.messages.append({"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result, ensure_ascii=False)})
        return self._answer()

    def _answer(self):
        response = litellm.completion(model="tessera/offline", messages=self.messages, tools=self.tools)
        message = response.choices[0].message
        entry = {"role": "assistant", "content": message.content}
        if message.tool_calls:
            entry["tool_calls"] = [c.model_dump() for c in message.tool_calls]
        self.messages.append(entry)
        return response


def only_call(response) -> tuple[str, dict]:
    """The single tool call of a response, its arguments checked against the tool's JSON schema."""
    assert response.choices[0].finish_reason == "tool_calls"
    calls = response.choices[0].message.tool_calls
    assert calls and len(calls) == 1, response.choices[0].message.content
    name, args = calls[0].function.name, json.loads(calls[0].function.arguments)
    jsonschema.validate(args, SCHEMAS[name])
    assert calls[0].id.startswith("call_")
    return name, args


def text_of(response) -> str:
    assert response.choices[0].finish_reason == "stop"
    assert not response.choices[0].message.tool_calls
    return response.choices[0].message.content


def test_an_english_request_calls_find_deals_with_the_account_and_the_stage():
    response = Chat().say("show me the Acme deals in negotiation")

    assert only_call(response) == ("find_deals", {"account": "Acme Robotics", "stage": "negotiation"})
    trace = parse_trace(response.choices[0].message.content)
    assert trace["intent"] == "find_deals" and trace["margin"] > 0
    assert trace["args"]["account"] == {"value": "Acme Robotics", "from": "Acme", "how": "entity"}
    assert "stage=\"negotiation\"" in response.choices[0].message.content.splitlines()[1]


def test_a_chinese_request_names_the_account_by_a_short_form_and_the_period_in_words():
    name, args = only_call(Chat().say("北辰上季度的商机"))

    assert name == "find_deals"
    assert args["account"] == "北辰医疗器械"
    assert (args["period"]["start"], args["period"]["end"]) == ("2026-07-01", "2026-09-30")


def test_a_missing_required_account_is_asked_for_and_the_bare_answer_completes_the_call():
    chat = Chat()
    question = text_of(chat.say("log a call"))
    assert question == "Which account? (the account the activity is logged on)"

    assert only_call(chat.say("Acme")) == ("log_activity", {"kind": "call", "account": "Acme Robotics"})


def test_a_chinese_user_is_asked_in_chinese_and_answered_in_chinese():
    chat = Chat()
    question = text_of(chat.say("记录一次电话"))
    assert "客户" in question

    name, args = only_call(chat.say("北辰"))
    assert (name, args["account"], args["kind"]) == ("log_activity", "北辰医疗器械", "call")

    reply = text_of(chat.tool_result({"ok": True, "done": "已记录与北辰医疗器械的电话"}))
    assert reply.startswith("已记录") and "北辰医疗器械" in reply


def test_gibberish_calls_no_tool_and_offers_what_the_model_can_do():
    reply = text_of(Chat().say("asdf qwer zxcv"))

    assert "Find deals (opportunities)" in reply and "Log a call, meeting, email or note" in reply
    assert reply.count("\n- ") == len(TOOLS)


@pytest.mark.parametrize(("greeting", "lead", "capability"), [("hi", "Hi!", "Find contact people at an account"),
                                                               ("你好", "您好", "列出客户的联系人")])
def test_a_greeting_is_answered_with_the_capabilities_in_the_users_language(greeting, lead, capability):
    reply = text_of(Chat().say(greeting))
    assert reply.startswith(lead) and capability in reply


def test_a_list_result_is_phrased_with_the_count_the_topic_and_a_table_of_the_values():
    chat = Chat()
    chat.say("show me the Globex deals in negotiation")
    reply = text_of(chat.tool_result({"ok": True, "total": 2, "about": "for Globex Logistics in negotiation", "items": [
        {"deal": "D-7", "name": "WMS rollout", "amount": 120000.0, "close": "2026-12-15"},
        {"deal": "D-9", "name": "Fleet 2027", "amount": 45000.5, "close": "2027-01-31"}]}))

    lines = reply.splitlines()
    assert lines[0] == "Found 2 deals for Globex Logistics in negotiation."
    assert lines[1].split(" | ")[:2] == ["deal", "name       "]
    assert "D-9 " in lines[4] and "45,000.5" in lines[4] and "2027-01-31" in lines[4]


def test_an_error_result_is_said_plainly_with_its_candidates():
    chat = Chat()
    chat.say("tell me about Acme")
    reply = text_of(chat.tool_result({"ok": False, "error": "'Acme' matches several accounts: Acme Robotics, Acme Foods.",
                                      "candidates": ["Acme Robotics", "Acme Foods"]}))

    assert "'Acme' matches several accounts: Acme Robotics, Acme Foods." in reply
    assert "1. Acme Robotics" in reply and "2. Acme Foods" in reply


def test_a_record_result_in_a_chinese_conversation_is_shown_as_key_value_lines_with_chinese_labels():
    chat = Chat()
    assert only_call(chat.say("北辰医疗器械的客户概况")) == ("account_summary", {"account": "北辰医疗器械"})
    reply = text_of(chat.tool_result({"ok": True, "about": "北辰医疗器械", "record": {
        "owner": "王芳", "open_deals": 3, "address": {"city": "北京", "district": "海淀"}}}))

    # a field with a Chinese label (replies.yaml) is shown by it; a field without one by its own words
    assert reply.splitlines() == ["北辰医疗器械概况：", "负责人: 王芳", "进行中的商机: 3", "address: city=北京, district=海淀"]


def test_a_name_shared_by_two_accounts_is_asked_about_and_an_ordinal_answer_settles_it():
    register_offline_model(Lexicon.from_names(account=["Acme Robotics", "Acme Foods"]), clock=lambda: TODAY)
    chat = Chat()
    question = text_of(chat.say("tell me about acme"))
    assert "Acme Foods" in question and "Acme Robotics" in question

    assert only_call(chat.say("the second")) == ("account_summary", {"account": "Acme Robotics"})


def test_a_bare_name_asks_what_to_do_and_a_numbered_answer_picks_the_tool():
    chat = Chat()
    question = text_of(chat.say("Acme"))
    assert "(1)" in question and "(2)" in question

    name, args = only_call(chat.say("2"))
    second_option = question.split("(2)")[1].split("(3)")[0]
    summary = next(t["function"]["description"].split(",")[0] for t in TOOLS if t["function"]["name"] == name)
    assert summary.lower().split(":")[0] in second_option.lower()
    assert args == {"account": "Acme Robotics"}


def test_a_note_on_them_goes_to_the_account_of_the_previous_turn():
    chat = Chat()
    chat.say("tell me about Globex")
    chat.tool_result({"ok": True, "about": "Globex Logistics", "record": {"owner": "li.wei"}})

    name, args = only_call(chat.say("add a note on them: they want a revised quote"))
    assert (name, args) == ("log_activity", {"account": "Globex Logistics", "kind": "note",
                                             "note": "they want a revised quote"})


def test_a_case_text_keeps_the_customers_own_words():
    name, args = only_call(Chat().say("北辰投诉说设备经常死机"))
    assert (name, args["account"]) == ("open_case", "北辰医疗器械")
    assert args["text"].endswith("设备经常死机")


def test_with_an_empty_lexicon_an_unknown_capitalised_name_is_passed_on_for_the_store_to_resolve():
    register_offline_model(clock=lambda: TODAY)
    response = Chat().say("show me the deals for Initech in negotiation")

    assert only_call(response) == ("find_deals", {"stage": "negotiation", "account": "Initech"})
    assert parse_trace(response.choices[0].message.content)["args"]["account"]["how"] == "guess"


def test_async_and_streaming_calls_give_the_same_tool_call():
    messages = [{"role": "user", "content": "log a call with Acme"}]
    response = asyncio.run(litellm.acompletion(model="tessera/offline", messages=messages, tools=TOOLS))
    assert only_call(response) == ("log_activity", {"account": "Acme Robotics", "kind": "call"})

    chunks = list(litellm.completion(model="tessera/offline", messages=messages, tools=TOOLS, stream=True))
    calls = [c for chunk in chunks for c in (chunk.choices[0].delta.tool_calls or [])]
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("log_activity", {"account": "Acme Robotics", "kind": "call"})]


def test_chat_litellm_bind_tools_parses_the_tool_calls_into_the_ai_message():
    from langchain_core.messages import HumanMessage, ToolMessage
    from langchain_litellm import ChatLiteLLM

    model = ChatLiteLLM(model="tessera/offline").bind_tools(TOOLS)
    ai = model.invoke([HumanMessage("show me the Acme deals in negotiation")])
    assert [(c["name"], c["args"]) for c in ai.tool_calls] == [
        ("find_deals", {"account": "Acme Robotics", "stage": "negotiation"})]

    result = ToolMessage(json.dumps({"ok": True, "items": [{"deal": "D-1", "stage": "negotiation"}], "total": 1,
                                     "about": "for Acme Robotics"}), tool_call_id=ai.tool_calls[0]["id"])
    final = model.invoke([HumanMessage("show me the Acme deals in negotiation"), ai, result])
    assert not final.tool_calls and final.content.startswith("Found 1 deal for Acme Robotics.")


def test_registering_again_replaces_the_provider_entry_instead_of_adding_one():
    register_offline_model(LEXICON)
    register_offline_model(LEXICON, clock=lambda: TODAY)
    assert [p["provider"] for p in litellm.custom_provider_map].count("tessera") == 1


def test_tool_choice_is_obeyed_even_when_the_model_would_ask():
    messages = [{"role": "user", "content": "log a call"}]
    forced = litellm.completion(model="tessera/offline", messages=messages, tools=TOOLS,
                                tool_choice={"type": "function", "function": {"name": "find_contacts"}})
    assert only_call(forced) == ("find_contacts", {})

    required = litellm.completion(model="tessera/offline", messages=messages, tools=TOOLS, tool_choice="required")
    [call] = required.choices[0].message.tool_calls  # the tool itself will say the account is missing
    assert (call.function.name, json.loads(call.function.arguments)) == ("log_activity", {"kind": "call"})

    assert not litellm.completion(model="tessera/offline", messages=messages, tools=TOOLS,
                                  tool_choice="none").choices[0].message.tool_calls
