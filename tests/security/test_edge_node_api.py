"""The node's local API listens on 127.0.0.1 by default; bound anywhere else it requires its own key on every
request, and refuses to start without one."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from edge_agent.api import check_exposure, create_app
from edge_agent.node import EdgeNode
from tests.cli_support import run_cli
from tests.conftest import settings_for

KEY = "k" * 12 + "-site-key-0123456789"


@pytest.fixture
def node(tmp_path) -> EdgeNode:
    return EdgeNode("plant-7", tmp_path / "node", synchronous="NORMAL")


def test_with_a_key_every_route_refuses_a_request_without_it_and_writes_nothing(node):
    with TestClient(create_app(node, KEY)) as client:
        routes = [("GET", "/v1/health", None), ("GET", "/v1/records", None), ("GET", "/v1/work-orders", None),
                  ("POST", "/v1/work-orders", {"title": "intruder's order"}), ("POST", "/v1/chat", {"text": "list open work orders"}),
                  ("POST", "/v1/scans", {"code": "4006381333931"}), ("GET", "/docs", None), ("GET", "/openapi.json", None)]
        for method, path, body in routes:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"},
                            {"Authorization": f"Bearer {KEY[:-1]}"}, {"X-API-Key": KEY}):
                refused = client.request(method, path, json=body, headers=headers)
                assert refused.status_code == 401, (method, path, headers)
        assert node.records.count("work_order") == 0 and node.records.count("scan") == 0  # nothing written
        ok = {"Authorization": f"Bearer {KEY}"}
        assert client.post("/v1/work-orders", json={"title": "pump P-12 leaking"}, headers=ok).status_code == 201
        assert client.get("/v1/health", headers=ok).json()["records"]["work_order"] == 1


def test_without_a_key_the_api_answers_on_localhost_as_before(node):
    with TestClient(create_app(node)) as client:
        assert client.post("/v1/work-orders", json={"title": "pump P-12 leaking"}).status_code == 201


def test_listening_beyond_localhost_needs_a_real_key():
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        check_exposure(host, "")  # loopback: the key is optional
    for host in ("0.0.0.0", "::", "10.1.2.3", "plant7.example"):
        with pytest.raises(ValueError, match="TESSERA_EDGE__NODE_API_KEY"):
            check_exposure(host, "")
        with pytest.raises(ValueError, match="at least 24"):
            check_exposure(host, "short")
        check_exposure(host, KEY)


def test_edge_run_refuses_to_listen_on_the_network_without_a_key(data_dir):
    refused = run_cli("edge", "run", "--node-id", "plant-7", "--host", "0.0.0.0", settings=settings_for(data_dir))
    assert refused.exit_code == 2 and "TESSERA_EDGE__NODE_API_KEY" in refused.stderr
    weak = run_cli("edge", "run", "--node-id", "plant-7", "--host", "0.0.0.0",
                   settings=settings_for(data_dir, edge={"node_api_key": "1234"}))
    assert weak.exit_code == 2 and "at least 24" in weak.stderr
    assert not (data_dir / "edge" / "plant-7").exists()  # refused before anything was opened
