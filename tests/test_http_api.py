"""The HTTP API as a client sees it: chat, streamed chat, traces, health and clear 4xx errors."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from channels.auth import issue_token
from channels.http_api import create_app


@pytest.fixture
def client(tessera):
    with tessera.store.session() as s:
        token = issue_token(s, "li.wei")
    with TestClient(create_app(tessera), headers={"Authorization": f"Bearer {token}"}) as c:
        yield c


def test_chat_returns_the_reply_tool_calls_and_a_trace_link(client):
    r = client.post("/v1/chat", json={"thread": "api-1", "message": "show me the deals of Acme Robotics"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["agent"] == "sales" and body["tool_calls"][0]["name"] == "find_deals"
    trace = client.get(body["trace_url"])
    assert trace.status_code == 200
    assert trace.json()["steps"][0]["type"] == "model"


def test_streamed_chat_sends_steps_then_the_reply(client):
    with client.stream("POST", "/v1/chat/stream",
                       json={"thread": "api-2", "message": "show me the deals of Acme Robotics"}) as r:
        assert r.status_code == 200
        text = "".join(r.iter_text())
    events = [line.removeprefix("event: ").strip() for line in text.splitlines() if line.startswith("event:")]
    assert events[0] == "step" and events[-1] == "reply"
    data = [line.removeprefix("data: ") for line in text.splitlines() if line.startswith("data:")]
    assert json.loads(data[-1])["tool_calls"][0]["name"] == "find_deals"


@pytest.mark.parametrize("payload, status, words", [
    ({"user": "wang.fang", "message": "hi"}, 422, "owner of your token"),  # no request names its user
    ({"message": ""}, 422, "message"),
    ({"message": "x" * 5000}, 422, "message"),
    ({"thread": "bad thread!", "message": "hi"}, 422, "thread"),
    ({"thread": "t"}, 422, "message"),
])
def test_bad_input_gets_a_clear_4xx(client, payload, status, words):
    r = client.post("/v1/chat", json=payload)
    assert r.status_code == status
    assert words in r.text


def test_a_blank_message_is_refused_with_a_hint(client):
    r = client.post("/v1/chat", json={"message": "   "})
    assert r.status_code == 422 and "empty" in r.json()["detail"][0]["msg"]


def test_an_unknown_trace_is_a_404(client):
    assert client.get("/v1/traces/nope").status_code == 404


def test_health_and_openapi_docs(client):
    assert client.get("/health").json()["status"] == "ok"
    assert "/v1/chat" in client.get("/openapi.json").json()["paths"]


def test_a_request_without_a_token_is_refused_with_a_hint(tessera):
    with TestClient(create_app(tessera)) as anonymous:
        r = anonymous.post("/v1/chat", json={"message": "hi"})
    assert r.status_code == 401 and "Bearer" in r.json()["detail"]


def test_someone_elses_trace_is_not_shown(client, tessera):
    other = tessera.chat("wang.fang", "private", "show me the deals of Globex Logistics")
    assert client.get(f"/v1/traces/{other.turn_id}").status_code == 404



def test_a_chat_reply_carries_the_charts_its_own_turn_drew(tessera):
    with tessera.store.session() as s:
        token = issue_token(s, "zhao.lei")
    with TestClient(create_app(tessera), headers={"Authorization": f"Bearer {token}"}) as c:
        drawn = c.post("/v1/chat", json={"thread": "charts-1", "message": "draw me a chart of pipeline by stage"},
                       headers={"Idempotency-Key": "chart-once"})
        assert drawn.status_code == 200, drawn.text
        traced = c.get(f"/v1/traces/{drawn.json()['turn_id']}/charts").json()["charts"]
        plain = c.post("/v1/chat", json={"thread": "charts-1", "message": "show me the deals of Acme Robotics"})
        again = c.post("/v1/chat", json={"thread": "charts-1", "message": "draw me a chart of pipeline by stage"},
                       headers={"Idempotency-Key": "chart-once"})
    charts = drawn.json()["charts"]
    assert len(charts) == 1 and charts[0]["mark"]["type"] == "bar" and charts == traced
    assert plain.status_code == 200 and plain.json()["charts"] == []  # none of the thread's earlier turn
    # a replayed answer: read from the thread, whose latest turn is another one now, so none (as before)
    assert again.json()["replayed"] is True and again.json()["turn_id"] == drawn.json()["turn_id"]
    assert again.json()["charts"] == []
