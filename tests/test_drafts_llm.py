"""Drafts written by a configured LLM (scripted replies through LiteLLM): the model gets only the grounded facts
consent allows, and a draft that claims what the facts do not hold is set aside for the grounded template."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from crm.models import Activity, Contact
from crm.privacy.consents import record_consent
from crm.tasks.models import Task
from llm.drafting import DraftWriter
from tests.conftest import FIXED_NOW, settings_for
from tests.scripted_model import ScriptedModel, install
from tessera.runtime import Tessera
from tessera.settings import AgentModels
from tools.base import ToolContext
from tools.registry import ALL


@pytest.fixture
def scripted():
    model = ScriptedModel()
    install(model)
    return model


@pytest.fixture
def app(data_dir, scripted):
    tessera = Tessera(settings_for(data_dir, models=AgentModels(writer="scripted/writer", fallbacks=[])),
                      clock=lambda: FIXED_NOW)
    yield tessera
    tessera.close()


def draft(app: Tessera, **args) -> dict:
    ctx = ToolContext(store=app.store, actor=app.actor("li.wei"), clock=lambda: FIXED_NOW, writer=app.writer)
    return ALL["draft_followup"].invoke(ctx, args)


def facts_sent(scripted: ScriptedModel) -> dict:
    return json.loads(scripted.history[-1]["messages"][-1]["content"])


def test_a_faithful_model_draft_is_offered_and_the_model_saw_the_grounded_facts(app, scripted):
    scripted.enqueue({"content": ""})  # a first, empty answer shows what the model is given
    template = draft(app, contact="Mark Taylor", deal="CRM Suite")["record"]
    facts = facts_sent(scripted)
    assert template["written_by"] == "template" and "wrote nothing" in template["checked"]
    assert facts["to"] == "Mark Taylor" and facts["template"] == template["body"]
    assert facts["deal"]["id"] in template["grounded_on"][0] and facts["last_conversation"] == template["grounded_on"][1]

    faithful = (f"Dear Mark Taylor,\n\nThanks again for our conversation. About {facts['deal']['product']} "
                f"({facts['deal']['id']}): could we talk for 20 minutes next week?\n\nBest regards,\n{facts['from']}")
    scripted.enqueue({"content": faithful})
    offered = draft(app, contact="Mark Taylor", deal="CRM Suite")["record"]
    assert offered["body"] == faithful and offered["written_by"] == "model"
    assert "not sent" in offered["status"] and offered["subject"] == template["subject"]


def test_a_model_draft_inventing_a_discount_and_a_date_is_set_aside_for_the_template(app, scripted):
    before = _counts(app)
    scripted.enqueue({"content": "Dear Mark Taylor,\n\nAs promised, we can offer a 15% discount if you sign by "
                                 "December 31.\n\nBest regards,\nLi Wei"})
    offered = draft(app, contact="Mark Taylor", deal="CRM Suite")["record"]
    assert offered["written_by"] == "template" and offered["body"].startswith("Dear Mark Taylor,")
    assert "15%" not in offered["body"]
    assert "'15%'" in offered["checked"] and "'December 31'" in offered["checked"]
    assert _counts(app) == before  # a draft writes nothing, whoever wrote it


def test_a_chinese_draft_naming_another_product_and_a_free_upgrade_is_set_aside(app, scripted):
    scripted.enqueue({"content": "陈静您好：我们保证为您免费升级。此致"})
    offered = draft(app, contact="陈静")["record"]
    assert offered["language"] == "zh" and offered["written_by"] == "template"
    assert "'保证'" in offered["checked"] and "'免费'" in offered["checked"]
    assert offered["body"].startswith("陈静您好")


def test_a_model_outage_leaves_the_grounded_draft(app, scripted):
    scripted.enqueue({"fail": True})
    offered = draft(app, contact="Mark Taylor")["record"]
    assert offered["written_by"] == "template" and "could not write" in offered["checked"]


def test_when_consent_rules_the_message_out_the_model_is_never_asked(app, scripted):
    with app.store.session() as s:
        record_consent(s, contact_id=1, category="user.contact", purpose="marketing", granted=False,
                       channel="email", by="li.wei", now=FIXED_NOW.replace(hour=8))
    refused = draft(app, contact="Mark Taylor", purpose="marketing")
    assert not refused["ok"] and "no marketing draft" in refused["error"]
    assert scripted.history == []  # nothing about Mark Taylor went to the model


def test_the_writer_sends_the_versioned_prompt_and_the_facts_as_json(scripted):
    scripted.enqueue({"content": "body"})
    assert DraftWriter("scripted/writer")({"to": "陈静", "language": "zh"}) == "body"
    system, user = scripted.history[0]["messages"]
    assert "Use only the facts" in system["content"]
    assert json.loads(user["content"]) == {"to": "陈静", "language": "zh"}


def _counts(app: Tessera) -> tuple:
    with app.store.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Activity, Task, Contact))
