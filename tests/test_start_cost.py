"""What a process pays to start: the offline model answers without LiteLLM (about 200 MB and 3 s to import), Chroma
loads at the first note search, and the offline model and vector memory share one E5; and the in-process offline
model answers exactly as the same model served through LiteLLM does."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage

from llm import EntityName, Lexicon, register_offline_model
from llm.factory import chat_model
from llm.offline.chat import OfflineChatModel

TODAY = dt.date(2026, 11, 26)
ACCOUNT = {"type": "string", "x-entity": "account", "description": "the customer account"}
FIND_DEALS = {"type": "function", "function": {"name": "find_deals", "description": "\n".join([
    "Find deals (opportunities), filtered by account and stage.", "", "Examples:", "- show me the deals for Globex",
    "- which deals are in negotiation", "- 看一下北辰的商机"]), "parameters": {"type": "object", "properties": {
        "account": ACCOUNT, "stage": {"type": "string", "enum": ["lead", "negotiation", "won"]}}}}}
LOG_CALL = {"type": "function", "function": {"name": "log_activity", "description": "\n".join([
    "Log a call, meeting, email or note on an account.", "", "Examples:", "- log a call with Globex",
    "- 记录一次和北辰的电话"]), "parameters": {"type": "object", "properties": {
        "account": ACCOUNT, "kind": {"type": "string", "enum": ["call", "meeting", "email", "note"]}},
        "required": ["account", "kind"]}}}


def test_the_server_starts_without_litellm_chroma_scikit_learn_or_pypinyin():
    code = ("import sys, channels.http_api, edge_agent.centre; from llm.factory import chat_model; "
            "m = chat_model('tessera/offline'); print(sorted(k for k in ('litellm', 'langchain_litellm', 'chromadb', "
            "'sklearn', 'scipy', 'pypinyin') if k in sys.modules), type(m).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["[]", "OfflineChatModel"]


def test_another_model_or_a_fallback_goes_through_litellm():
    assert type(chat_model("tessera/offline", ["openai/gpt-4o-mini"])).__name__ == "ChatLiteLLMRouter"
    assert type(chat_model("openai/gpt-4o-mini")).__name__ == "ChatLiteLLM"


def test_in_process_and_through_litellm_the_offline_model_answers_alike():
    from langchain_litellm import ChatLiteLLM

    register_offline_model(Lexicon({"account": [EntityName("Acme Robotics"), EntityName("北辰医疗器械")]}),
                           clock=lambda: TODAY)
    try:
        for text in ("show me the deals of Acme Robotics in negotiation", "记录一次和北辰医疗器械的电话", "hello"):
            history = [SystemMessage("You are the sales assistant."), HumanMessage(text)]
            direct = OfflineChatModel().bind_tools([FIND_DEALS, LOG_CALL]).invoke(history)
            served = ChatLiteLLM(model="tessera/offline").bind_tools([FIND_DEALS, LOG_CALL]).invoke(history)
            assert direct.content == served.content
            assert [(c["name"], c["args"]) for c in direct.tool_calls] == [(c["name"], c["args"])
                                                                          for c in served.tool_calls]
            assert direct.response_metadata["model_name"] == served.response_metadata["model_name"]
            if direct.tool_calls:  # and the results read back alike
                results = [ToolMessage(json.dumps({"ok": True, "deals": []}), tool_call_id=c["id"], name=c["name"])
                           for c in direct.tool_calls]
                after_direct = OfflineChatModel().bind_tools([FIND_DEALS]).invoke([*history, direct, *results])
                after_served = ChatLiteLLM(model="tessera/offline").bind_tools([FIND_DEALS]).invoke(
                    [*history, direct, *results])
                assert after_direct.content == after_served.content
    finally:
        register_offline_model()


def test_the_offline_model_and_vector_memory_share_one_e5(tmp_path):
    from llm.offline import embedder
    from memory.vector_memory import NoteRecord, VectorMemory

    memory = VectorMemory(tmp_path, e5=embedder.shared_e5)
    try:
        memory.write([NoteRecord("A-1", "the customer asked for a demo of the welding robot", None, 1, 1, "activity")])
        found = memory.search("demo of a welding robot", unit_ids=None)
        assert found[0]["id"] == "A-1"
        assert embedder._model is not None  # loaded once, by whichever asked first, and used by both
        assert memory.embedder._model is embedder.shared_e5
    finally:
        memory.close()
