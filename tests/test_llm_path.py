"""The LLM path with scripted replies through LiteLLM: any model string swaps in, and fallbacks take over."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.models import Activity
from tests.conftest import FIXED_NOW, settings_for
from tests.scripted_model import ScriptedModel, install
from tessera.runtime import Tessera
from tessera.settings import AgentModels


@pytest.fixture
def scripted():
    model = ScriptedModel()
    install(model)
    return model


def test_a_configured_llm_drives_the_tools_and_states_its_reason(data_dir, scripted):
    scripted.enqueue(
        {"content": "The rep wants to record a call, so I log it.",
         "tool_calls": [{"name": "log_activity", "args": {"account": "Acme Robotics", "kind": "call",
                                                         "subject": "pricing follow-up"}}]},
        {"content": "Logged your call with Acme Robotics."},
    )
    models = AgentModels(sales="scripted/gpt-like", fallbacks=[])
    app = Tessera(settings_for(data_dir, models=models), clock=lambda: FIXED_NOW, seed=False)
    turn = app.chat("li.wei", "llm", "I just called Acme about pricing")
    app.close()

    model_said, written = turn.reply.split("\n\n")
    assert model_said == "Logged your call with Acme Robotics."  # then what was written, whatever the model said
    assert written.startswith("Written: A-") and "pricing follow-up" in written and "Say 'undo'" in written
    first_call = scripted.history[0]
    assert first_call["messages"][0]["role"] == "system" and "Tessera" in first_call["messages"][0]["content"]
    assert "log_activity" in {t["function"]["name"] for t in first_call["tools"]}
    assert scripted.history[1]["messages"][-1]["role"] == "tool"  # the model saw the tool's result
    trace_reason = app.traces.get(turn.turn_id).steps[0]["reason"]
    assert trace_reason == "The rep wants to record a call, so I log it."
    with app.store.session() as s:
        assert s.scalars(select(Activity).order_by(Activity.id.desc())).first().subject == "pricing follow-up"


def test_a_tool_the_agent_does_not_carry_is_refused_and_answered(data_dir, scripted):
    scripted.enqueue(
        {"content": "", "tool_calls": [{"name": "clone_contract_template", "args": {}}]},  # the analyst's, not a rep's
        {"content": "I cannot do that here."},
    )
    app = Tessera(settings_for(data_dir, models=AgentModels(sales="scripted/x", fallbacks=[])),
                  clock=lambda: FIXED_NOW, seed=False)
    turn = app.chat("li.wei", "llm", "copy our unit's contract to the new team")
    steps = app.traces.get(turn.turn_id).steps
    app.close()
    tool_step = next(s for s in steps if s["type"] == "tool")
    assert tool_step["status"] == "error" and "no tool 'clone_contract_template'" in tool_step["result"]


def test_when_the_primary_model_fails_the_router_falls_back_to_the_offline_model(data_dir, scripted):
    scripted.enqueue({"fail": True}, {"fail": True})
    models = AgentModels(sales="scripted/down", fallbacks=["tessera/offline"])
    app = Tessera(settings_for(data_dir, models=models), clock=lambda: FIXED_NOW, seed=False)
    turn = app.chat("li.wei", "fallback", "show me the deals of Acme Robotics")
    app.close()
    assert scripted.history, "the primary model was tried first"
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"]
