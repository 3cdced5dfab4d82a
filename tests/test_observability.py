"""Operators' view of turns: the span tree of one chat turn names the turn, its graph nodes and its tool call; the
Prometheus counters move when turns end, tools fail, a request escalates and a read is refused; /metrics is
served to this machine or to a caller with the operator's token, and everyone else is refused."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY
from sqlalchemy import select

from channels.http_api import create_app
from crm.models import Contact
from crm.privacy import pdp
from tests.autonomy_support import LATER
from tests.conftest import FIXED_NOW, settings_for
from tests.scripted_model import ScriptedModel, install
from tests.test_approvals_graph import escalating_deal
from tessera.runtime import Tessera
from tessera.settings import AgentModels, Settings


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    """Finished spans of this process (the SDK provider is installed once per process, as a server does)."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_span_tree_of_one_chat_turn_names_the_turn_its_nodes_and_its_tool(tessera, spans):
    spans.clear()
    turn = tessera.chat("li.wei", "traced", "log a meeting with Acme Robotics about the quokka rollout")
    assert [c["name"] for c in turn.tool_calls] == ["log_activity"], turn.reply
    finished = spans.get_finished_spans()
    [root] = [s for s in finished if s.name == "turn chat"]
    assert root.parent is None and root.attributes["tessera.turn"] == turn.turn_id
    assert root.attributes["tessera.agent"] == "sales" and root.attributes["tessera.thread"] == "li.wei:traced"
    in_turn = [s for s in finished if s.context.trace_id == root.context.trace_id]
    children = {s.context.span_id: s for s in in_turn}
    nodes = [s.name for s in sorted(in_turn, key=lambda s: s.start_time) if s.parent == root.context]
    assert nodes[:3] == ["node supervisor", "node sales_model", "node sales_tools"], nodes
    [tool] = [s for s in in_turn if s.name.startswith("tool ")]
    assert tool.name == "tool log_activity" and tool.attributes["tessera.tool.ok"] is True
    assert children[tool.parent.span_id].name == "node sales_tools"


def test_turns_tool_errors_and_their_latency_are_counted(data_dir):
    scripted = ScriptedModel()
    install(scripted)
    app = Tessera(settings_for(data_dir, models=AgentModels(sales="scripted/llm", fallbacks=[])),
                  clock=lambda: FIXED_NOW, seed=False)
    answered, errors, seconds = (value("tessera_turns_total", agent="sales", outcome="answered"),
                                 value("tessera_tool_errors_total", tool="log_activity"),
                                 value("tessera_turn_seconds_count"))
    try:
        scripted.enqueue({"content": "", "tool_calls": [{"name": "log_activity", "args": {
            "account": "Acme Robotics", "kind": "carrier pigeon", "subject": "walrus"}}]})
        scripted.enqueue({"content": "That kind of activity does not exist."})
        app.chat("li.wei", "errors", "log a carrier pigeon with Acme Robotics")
    finally:
        app.close()
    assert value("tessera_turns_total", agent="sales", outcome="answered") == answered + 1
    assert value("tessera_tool_errors_total", tool="log_activity") == errors + 1
    assert value("tessera_turn_seconds_count") == seconds + 1


def test_an_escalation_is_counted_once_when_the_turn_pauses_for_the_manager(data_dir):
    scripted = ScriptedModel()
    install(scripted)
    app = Tessera(settings_for(data_dir, models=AgentModels(sales="scripted/llm", fallbacks=[])),
                  clock=lambda: FIXED_NOW, seed=False)
    before = value("tessera_escalations_total")
    try:
        deal = escalating_deal(app.store)
        scripted.enqueue({"content": "", "tool_calls": [{"name": "request_discount", "args": {
            "deal": deal, "percent": 8, "reason": "matching a rival's offer", "promised_on": LATER.isoformat()}}]})
        app.chat("li.wei", "discount", f"give {deal} 8% off, a rival offered less")
        assert value("tessera_escalations_total") == before  # the rep's own yes is asked first: no escalation
        paused = app.chat("li.wei", "discount", "yes")
    finally:
        app.close()
    assert paused.approval is not None
    assert value("tessera_escalations_total") == before + 1
    assert value("tessera_turns_total", agent="sales", outcome="escalated") >= 1


def test_a_read_the_policy_decision_point_refuses_is_counted(tessera):
    with tessera.store.session() as s:
        contact = s.scalar(select(Contact.id).order_by(Contact.id))
        before = value("tessera_consent_refusals_total", purpose="train_ai_system")
        decision = pdp.decide(s, contact, "user.contact.phone_number", "train_ai_system", FIXED_NOW)
    assert value("tessera_consent_refusals_total", purpose="train_ai_system") == before + (not decision.allowed)
    assert not decision.allowed, decision.reason


def test_metrics_are_served_to_this_machine_and_refused_to_anyone_else(tessera):
    app = create_app(tessera)
    tessera.chat("li.wei", "metrics", "show me the deals of Acme Robotics")
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        r = local.get("/metrics")
        assert r.status_code == 200 and "tessera_turns_total" in r.text and "tessera_turn_seconds_bucket" in r.text
        assert local.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 403  # via a proxy
    with TestClient(app, client=("203.0.113.7", 40000)) as remote:
        r = remote.get("/metrics")
        assert r.status_code == 403 and "TESSERA_OBSERVABILITY__METRICS_TOKEN" in r.json()["detail"]
        assert "tessera_" not in r.text


def test_with_an_operator_token_metrics_need_it_from_everyone(data_dir):
    settings = settings_for(data_dir)
    app = Tessera(settings.model_copy(update={"observability": settings.observability.model_copy(
        update={"metrics_token": "scrape-7f3a"})}), clock=lambda: FIXED_NOW, seed=False)
    try:
        api = create_app(app)
        with TestClient(api, client=("203.0.113.7", 40000)) as remote, \
                TestClient(api, client=("127.0.0.1", 40000)) as local:
            assert remote.get("/metrics", headers={"Authorization": "Bearer scrape-7f3a"}).status_code == 200
            for client, headers in ((remote, {}), (local, {}), (remote, {"Authorization": "Bearer scrape-7f3b"}),
                                    (remote, {"Authorization": "scrape-7f3a"}),
                                    (local, {"Authorization": "Bearer scrape-7f3a "})):
                r = client.get("/metrics", headers=headers)
                assert r.status_code == 401 and "tessera_" not in r.text, headers
    finally:
        app.close()


def test_tracing_is_off_unless_an_endpoint_is_set(monkeypatch):
    assert Settings().observability.otel_endpoint == ""
    monkeypatch.setenv("TESSERA_OBSERVABILITY__OTEL_ENDPOINT", "http://127.0.0.1:4317")
    assert Settings().observability.otel_endpoint == "http://127.0.0.1:4317"
