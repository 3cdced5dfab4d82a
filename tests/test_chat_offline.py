"""Chatting with the whole graph on the offline model: real store reads and writes, traces, restarts."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from crm.models import Activity, Contact, Deal
from tests.conftest import FIXED_NOW, settings_for
from tessera.runtime import Tessera


def test_a_reps_question_about_a_named_account_returns_its_real_deals(tessera):
    turn = tessera.chat("li.wei", "t1", "show me the deals of Acme Robotics")
    assert turn.agent == "sales"
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"]
    assert turn.tool_calls[0]["args"]["account"] == "Acme Robotics"
    with tessera.store.session() as s:
        ids = s.scalars(select(Deal.id).where(Deal.account.has(name="Acme Robotics"))).all()
    assert any(f"D-{i}" in turn.reply for i in ids)


def test_a_chinese_question_gets_a_chinese_answer(tessera):
    turn = tessera.chat("li.wei", "t1", "看一下北辰医疗器械的商机")
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in turn.reply)


def test_logging_an_activity_through_chat_survives_a_restart(data_dir):
    first = Tessera(settings_for(data_dir), clock=lambda: FIXED_NOW, seed=False)
    with first.store.session() as s:
        before = s.scalar(select(func.count()).select_from(Activity))
    turn = first.chat("li.wei", "restart", "log a call with Acme Robotics about the renewal pricing")
    assert [c["name"] for c in turn.tool_calls] == ["log_activity"], turn.reply
    history = len(first.graph.get_state(first.config(first.actor("li.wei"), "restart")).values["messages"])
    first.close()

    second = Tessera(settings_for(data_dir), clock=lambda: FIXED_NOW, seed=False)
    with second.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Activity)) == before + 1
        logged = s.scalars(select(Activity).order_by(Activity.id.desc())).first()
        assert logged.kind == "call" and "renewal" in logged.subject
    state = second.graph.get_state(second.config(second.actor("li.wei"), "restart")).values
    assert len(state["messages"]) == history  # the conversation came back from the checkpoint
    second.close()


def test_a_missing_account_is_asked_for_then_the_answer_completes_the_request(tessera):
    ask = tessera.chat("li.wei", "clarify", "give me an account overview")
    assert ask.tool_calls == []
    assert "?" in ask.reply or "？" in ask.reply
    done = tessera.chat("li.wei", "clarify", "Acme Robotics")
    assert [c["name"] for c in done.tool_calls] == ["account_summary"]


def test_every_turn_leaves_a_trace_with_agent_tools_and_reasons(tessera):
    turn = tessera.chat("li.wei", "t2", "show me the deals of Acme Robotics")
    trace = tessera.traces.get(turn.turn_id)
    assert trace.agent == "sales" and "rep" in trace.route_reason
    model_step = next(s for s in trace.steps if s["type"] == "model" and s["tool_calls"])
    assert model_step["reason"]  # the offline model states its match scores
    tool_step = next(s for s in trace.steps if s["type"] == "tool")
    assert tool_step["name"] == "find_deals" and tool_step["status"] == "success"


def test_a_manager_asking_for_win_rates_is_routed_to_the_analyst(tessera):
    turn = tessera.chat("zhao.lei", "m1", "what is the win rate by region")
    assert turn.agent == "analyst"
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"]
    assert turn.tool_calls[0]["args"]["metrics"] == ["win_rate"] and turn.tool_calls[0]["args"]["group_by"] == ["region"]


def test_a_rep_cannot_reach_another_units_account_through_chat(tessera):
    turn = tessera.chat("li.wei", "iso", "show me the deals of Globex Logistics")
    assert "Globex" in turn.reply
    with tessera.store.session() as s:
        globex_ids = s.scalars(select(Deal.id).where(Deal.account.has(name="Globex Logistics"))).all()
    assert not any(f"D-{i} " in turn.reply or f"D-{i}\n" in turn.reply for i in globex_ids)


def test_them_after_a_list_of_contacts_asks_which_by_number_and_the_number_answers(tessera):
    tessera.chat("li.wei", "them", "who are the contacts at 海天电子?")
    with tessera.store.session() as s:
        contacts = set(s.scalars(select(Contact.full_name).where(Contact.account.has(name="海天电子"))).all())
    ask = tessera.chat("li.wei", "them", "draft a follow-up to them about the quote")
    assert ask.tool_calls == [] and '"them" matches several contacts' in ask.reply
    offered = re.findall(r"\((\d)\) (.+?)(?= or \(|\. Which)", ask.reply)
    assert {name for _, name in offered} == contacts and [n for n, _ in offered] == ["1", "2", "3"]
    done = tessera.chat("li.wei", "them", "2")
    assert [(c["name"], c["args"]["contact"]) for c in done.tool_calls] == [("draft_followup", offered[1][1])]


def test_it_in_a_request_that_names_its_account_is_not_a_contact_of_the_list_before(tessera):
    tessera.chat("li.wei", "it", "who are the contacts at 海天电子?")
    turn = tessera.chat("li.wei", "it", "log a call with 海天电子 about it, they want a quote")
    assert [c["name"] for c in turn.tool_calls] == ["log_activity"]
    assert "contact" not in turn.tool_calls[0]["args"]  # logged on the account, not asked "which contact?"
