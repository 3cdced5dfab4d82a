"""The edge node's HTTP API as a site's tablets and scanners use it, with the link to the centre down."""
from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from edge_agent.api import create_app
from edge_agent.node import EdgeNode


@pytest.fixture()
def client(tmp_path):
    # a centre nobody listens on: the node must work regardless
    node = EdgeNode("plant-7", tmp_path / "node", central_url="ws://127.0.0.1:9/v1/edge/sync", synchronous="NORMAL")
    with TestClient(create_app(node)) as client:
        yield client


def test_a_work_order_is_created_worked_and_closed_over_http(client):
    wo_id = str(uuid.uuid4())
    created = client.post("/v1/work-orders", json={"id": wo_id, "title": "pump P-12 leaking", "asset": "P-12", "type": "repair"})
    assert created.status_code == 201
    assert client.post("/v1/work-orders", json={"id": wo_id, "title": "pump P-12 leaking"}).json() == created.json()
    number = created.json()["fields"]["number"]

    assert client.post(f"/v1/work-orders/{number}/assign", json={"technician": "Zhang Wei", "op_id": "a1"}).json()["fields"]["status"] == "assigned"
    client.post(f"/v1/work-orders/{number}/progress", json={"percent": 50, "labour_minutes": 30, "op_id": "p1"})
    client.post(f"/v1/work-orders/{number}/progress", json={"percent": 50, "labour_minutes": 30, "op_id": "p1"})  # a retry
    closed = client.post(f"/v1/work-orders/{wo_id}/close", json={"note": "seal replaced", "needs_case": True}).json()
    assert (closed["fields"]["status"], closed["fields"]["labour_minutes"], closed["fields"]["needs_case"]) == ("closed", 30, True)

    refused = client.post(f"/v1/work-orders/{number}/progress", json={"percent": 90})
    assert refused.status_code == 409 and "is closed" in refused.json()["detail"]
    assert client.get("/v1/work-orders/WO-00000000").status_code == 404
    assert client.post("/v1/work-orders", json={"title": "x", "type": "teleport"}).status_code == 422
    assert client.get("/v1/work-orders", params={"open": True}).json() == []


def test_parts_moves_dispatch_and_scans_carry_their_capability_checks(client):
    wo = client.post("/v1/work-orders", json={"title": "replace bearing on fan F-3"}).json()
    move = client.post("/v1/inventory-moves", json={"part": "bearing-6204", "quantity": 2, "from_location": "store",
                                                    "to_location": "line 3", "work_order_id": wo["fields"]["number"],
                                                    "weight_g": 212, "expected_g": 220, "tolerance_g": 5}).json()
    assert move["fields"]["weight_check"] == {"capability": "weight_check", "ok": False, "deviation_g": -8, "error": "out_of_tolerance"}
    assert move["fields"]["work_order_id"] == wo["id"]
    assert client.get("/v1/inventory").json() == {"bearing-6204": {"store": -2, "line 3": 2}}

    trip = client.post("/v1/dispatches", json={"technician": "Li Na", "work_order_ids": [wo["id"]],
                                               "stops": [[0, 0], [5, 5], [1, 1]]}).json()
    assert trip["fields"]["route"]["order"] == [0, 2, 1]

    good = client.post("/v1/scans", json={"code": "4006381333931", "work_order_id": wo["id"]}).json()
    doubtful = client.post("/v1/scans", json={"code": "4006381333931", "source": "ocr", "confidence": 55, "min_confidence": 80}).json()
    assert good["fields"]["check"]["ok"] is True
    assert doubtful["fields"]["check"]["error"] == "low_confidence"

    kinds = [r["kind"] for r in client.get("/v1/records").json()]
    assert sorted(kinds) == ["dispatch", "inventory_move", "scan", "scan", "work_order"]
    health = client.get("/v1/health").json()
    assert health["sync"]["connected"] is False and health["durable"] is True


def test_the_chat_endpoint_answers_in_the_language_asked(client):
    reply = client.post("/v1/chat", json={"text": "新建维修工单 泵 P-12 在 3号线"}).json()["reply"]
    assert reply.startswith("已创建维修工单 WO-")
    assert client.post("/v1/chat", json={"text": "list open work orders"}).json()["reply"].startswith("1 open work order:")
