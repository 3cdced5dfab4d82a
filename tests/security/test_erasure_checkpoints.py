"""Conversation threads on both savers (SQLite and PostgreSQL): another user's thread that quotes the person is
written back checkpoint by checkpoint with only her values replaced, and still resumes; her own thread goes."""
from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import START, MessagesState, StateGraph

from crm.privacy.directory import Directory
from crm.privacy.erasure_subject import ErasureSubject
from crm.privacy.identifiers import EMAIL, NAME, PHONE
from memory.checkpoints import CheckpointErasure, open_checkpointer
from tests.postgres_support import scratch_or_skip

HER_PHONE, HER_EMAIL, COLLEAGUE = "+86 158 5902 5379", "chen.jing@beichen-med.cn", "+86 138 8643 6811"


def subject() -> ErasureSubject:
    people = [(3, 2, "陈静", HER_EMAIL, HER_PHONE), (4, 2, "刘强", "liu.qiang@beichen-med.cn", COLLEAGUE)]
    return ErasureSubject(contact_id=3, account_id=2, scope="user", logins=["cust.chen.jing"], user_ids=[7],
                          values={NAME: ["陈静"], EMAIL: [HER_EMAIL], PHONE: [HER_PHONE]},
                          directory=Directory.build(people))


def echo_graph(saver):
    graph = StateGraph(MessagesState)
    graph.add_node("answer", lambda s: {"messages": [AIMessage(f"noted: {s['messages'][-1].content}")]})
    graph.add_edge(START, "answer")
    return graph.compile(checkpointer=saver)


@pytest.fixture(params=["sqlite", "postgres"])
def saver(request, tmp_path):
    if request.param == "sqlite":
        found, close = open_checkpointer(str(tmp_path / "checkpoints.db"))
        yield found
        close()
        return
    with scratch_or_skip("tessera_erasure") as url:
        found, close = open_checkpointer(url)
        yield found
        close()


def test_a_thread_quoting_her_is_rewritten_and_resumes_while_her_own_thread_goes(saver):
    graph = echo_graph(saver)
    rep = {"configurable": {"thread_id": "li.wei:beichen"}}
    own = {"configurable": {"thread_id": "cust.chen.jing:me"}}
    graph.invoke({"messages": [HumanMessage(f"陈静 {HER_PHONE}, 刘强 {COLLEAGUE}")]}, rep)
    graph.invoke({"messages": [HumanMessage(f"and her mail {HER_EMAIL}")]}, rep)
    graph.invoke({"messages": [HumanMessage("my own question")]}, own)
    history_before = len(list(saver.list(rep)))
    eraser = CheckpointErasure(saver)

    assert eraser.count(subject()) == 2  # planning writes nothing
    assert len(list(saver.list(rep))) == history_before
    assert eraser.erase(subject()) == 2

    messages = graph.get_state(rep).values["messages"]
    text = " ".join(m.content for m in messages)
    assert len(messages) == 4 and HER_PHONE not in text and HER_EMAIL not in text and "陈静" not in text
    assert COLLEAGUE in text and "刘强" in text and text.count("[erased]") == 6
    assert len(list(saver.list(rep))) == history_before  # every checkpoint put back, none lost
    assert list(saver.list(own)) == []
    graph.invoke({"messages": [HumanMessage("next question")]}, rep)  # the rewritten thread still resumes
    assert len(graph.get_state(rep).values["messages"]) == 6
