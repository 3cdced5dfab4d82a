"""The edge hub talks only to enrolled nodes: an unknown, revoked or foreign credential is refused on connect; a
node opens only its own room; every record route needs the node's credential or an admin token; cases from a
node's work orders land on its enrolled account only, attributed to the node, whatever the record says."""
from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from crm.edge_nodes import revoke_node
from edge_agent.node import EdgeNode
from tests.security.edge_support import OTHER, PLANT, Centre, bearer, until


@pytest.fixture
def centre(store, tmp_path) -> Centre:
    return Centre(store, tmp_path)


async def refused_status(url: str, headers: dict | None = None) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, additional_headers=headers or {}, open_timeout=5):
            pass
    return refused.value.response.status_code


def test_unknown_foreign_and_missing_credentials_are_refused_on_connect_and_open_no_room(centre):
    async def attempts(sync_url: str) -> None:
        assert await refused_status(f"{sync_url}/plant-7") == 403  # no credential
        assert await refused_status(f"{sync_url}/plant-7", bearer("tsn_" + "x" * 43)) == 403  # made up
        assert await refused_status(f"{sync_url}/plant-7", bearer(centre.admin_token)) == 403  # an admin is no node
        assert await refused_status(f"{sync_url}/plant-7", bearer(centre.credential8)) == 403  # node B -> A's room
        assert await refused_status(f"{sync_url}/plant-9?token={centre.credential8}") == 403  # a room nobody enrolled
        # its own room is fine, by header or by y-websocket's ?token= parameter
        async with connect(f"{sync_url}/plant-8", additional_headers=bearer(centre.credential8)) as ws:
            assert await ws.recv()
        async with connect(f"{sync_url}/plant-8?token={centre.credential8}") as ws:
            assert await ws.recv()

    with centre.serving() as (sync_url, _):
        asyncio.run(attempts(sync_url))
    assert set(centre.hub.rooms) == {"plant-8"}  # refused connections created nothing


def test_a_revoked_node_is_refused_on_connect_and_cut_off_while_connected(centre):
    async def scenario(sync_url: str) -> None:
        async with connect(f"{sync_url}/plant-7", additional_headers=bearer(centre.credential7)) as ws:
            await ws.recv()
            with centre.store.session() as s:
                revoke_node(s, "plant-7")
            with pytest.raises(ConnectionClosed) as closed:
                for _ in range(200):  # the hub looks again at least every RECHECK_S while frames arrive
                    await ws.send(b"\x00\x00\x00\x01\x00")  # shard 0: step 1, an empty state vector
                    try:
                        while True:  # read what the hub answers, so its close frame is not stuck behind it
                            await asyncio.wait_for(ws.recv(), 0.05)
                    except TimeoutError:
                        pass
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        assert await refused_status(f"{sync_url}/plant-7", bearer(centre.credential7)) == 403

    from edge_agent import hub as hub_module
    recheck, hub_module.RECHECK_S = hub_module.RECHECK_S, 0.2
    try:
        with centre.serving() as (sync_url, _):
            asyncio.run(scenario(sync_url))
    finally:
        hub_module.RECHECK_S = recheck


def test_edge_routes_need_the_nodes_credential_or_an_admin_token(centre):
    with centre.client() as client:
        centre.hub.room("plant-7")
        centre.hub.room("plant-8")
        wo = centre.hub.rooms["plant-7"].service.create_work_order(title="pump P-12 leaking")
        number = wo["fields"]["number"]
        routes = [("GET", "/v1/edge/nodes/plant-7", None), ("GET", "/v1/edge/nodes/plant-7/records", None),
                  ("GET", "/v1/edge/nodes/plant-7/quarantine", None), ("GET", f"/v1/edge/nodes/plant-7/work-orders/{number}", None),
                  ("POST", f"/v1/edge/nodes/plant-7/work-orders/{number}/notes", {"text": "forged note"}),
                  ("POST", f"/v1/edge/nodes/plant-7/work-orders/{number}/assign", {"technician": "Mallory"}),
                  ("POST", f"/v1/edge/nodes/plant-7/work-orders/{number}/progress", {"percent": 10}),
                  ("POST", f"/v1/edge/nodes/plant-7/work-orders/{number}/priority", {"priority": "urgent"}),
                  ("POST", f"/v1/edge/nodes/plant-7/work-orders/{number}/close", {"note": "x"})]
        before = client.get("/v1/edge/nodes/plant-7/records", headers=bearer(centre.credential7)).json()
        for method, path, body in routes:
            for headers, status in [({}, 401), (bearer("tsn_unknown"), 401), (bearer("not-a-token"), 401),
                                    (bearer(centre.credential8), 403), (bearer(centre.staff_token), 403),
                                    ({"Authorization": f"Basic {centre.credential7}"}, 401)]:
                answer = client.request(method, path, json=body, headers=headers)
                assert answer.status_code == status, (method, path, headers, answer.text)
        # what must stay unchanged: nothing the refused requests asked for happened
        assert client.get("/v1/edge/nodes/plant-7/records", headers=bearer(centre.credential7)).json() == before
        # a stranger cannot even learn which nodes exist
        assert client.get("/v1/edge/nodes/plant-x/records").status_code == 401
        assert client.get("/v1/edge/nodes/plant-x/records", headers=bearer(centre.credential8)).status_code == 403

        # the node itself and an admin may
        noted = client.post(f"/v1/edge/nodes/plant-7/work-orders/{number}/notes", json={"text": "seal ordered"},
                            headers=bearer(centre.credential7))
        assert noted.status_code == 200
        assert {k: noted.json()["history"][-1][k] for k in ("note", "by", "via")} == {
            "note": "seal ordered", "by": "central", "via": "node plant-7"}  # the centre wrote it, as the node asked
        assert client.get(f"/v1/edge/nodes/plant-7/work-orders/{number}", headers=bearer(centre.admin_token)).status_code == 200
        own = client.get("/v1/edge/nodes/plant-7", headers=bearer(centre.credential7)).json()
        assert (own["node_id"], own["records"]["work_order"]) == ("plant-7", 1)
        hq = client.post(f"/v1/edge/nodes/plant-7/work-orders/{number}/assign", json={"technician": "Li Na"},
                         headers=bearer(centre.admin_token))
        assert hq.json()["history"][-1]["via"] == "admin admin"


def test_enrolment_over_http_is_for_admins_only(centre):
    with centre.client() as client:
        body = {"node_id": "plant-9", "account_id": PLANT}
        for headers, status in [({}, 401), (bearer(centre.credential7), 403), (bearer(centre.staff_token), 403)]:
            assert client.post("/v1/edge/nodes", json=body, headers=headers).status_code == status
            assert client.post("/v1/edge/nodes/plant-8/revoke", headers=headers).status_code == status
            assert client.get("/v1/edge/nodes", headers=headers).status_code == status
        listed = client.get("/v1/edge/nodes", headers=bearer(centre.admin_token)).json()
        assert [(n["node_id"], n["active"]) for n in listed] == [("plant-7", True), ("plant-8", True)]

        enrolled = client.post("/v1/edge/nodes", json=body, headers=bearer(centre.admin_token))
        assert enrolled.status_code == 201 and enrolled.json()["credential"].startswith("tsn_")
        assert client.post("/v1/edge/nodes", json=body, headers=bearer(centre.admin_token)).status_code == 409
        assert client.post("/v1/edge/nodes", json={**body, "node_id": "../x"}, headers=bearer(centre.admin_token)).status_code == 422
        assert client.post("/v1/edge/nodes/plant-8/revoke", headers=bearer(centre.admin_token)).json()["active"] is False
        assert client.get("/v1/edge/nodes/plant-8/records", headers=bearer(centre.credential8)).status_code == 401


def test_a_synced_work_order_becomes_a_case_on_the_enrolled_account_only_attributed_to_the_node(centre, tmp_path):
    accounts_before = centre.accounts()
    cases_before = centre.case_rows()

    async def scenario(sync_url: str) -> tuple[dict, dict]:
        node = EdgeNode("plant-7", tmp_path / "node", sync_url, credential=centre.credential7, synchronous="NORMAL")
        await node.start()
        try:
            honest = node.service.create_work_order(title="pump P-12 leaking", wo_type="repair", record_id=str(uuid.uuid4()))
            # the record names another customer's account: the case must not go there
            pushy = node.service.create_work_order(title="bill this to someone else", wo_type="repair", account_id=OTHER)
            await node.durable()
            await until(lambda: len(centre.cases()) >= 1 and not centre.hub.busy, what="the case")
            await asyncio.sleep(0.5)  # give a second case every chance to appear
            return honest, pushy
        finally:
            await node.stop()

    with centre.serving() as (sync_url, _):
        honest, pushy = asyncio.run(scenario(sync_url))

    cases = centre.cases()
    assert all(c.account_id == PLANT and c.opened_by == centre.plant7.user_id for c in cases)
    assert not any(c.account_id == OTHER for c in cases)
    assert honest["id"] in {c.classification["work_order_id"] for c in cases}
    # what must stay unchanged: every account, and every case that was there before
    assert centre.accounts() == accounts_before
    assert centre.case_rows()[:len(cases_before)] == cases_before


def test_the_server_mounts_the_hub_behind_the_same_gate(tessera):
    from fastapi import FastAPI

    from channels.auth import admin_check, issue_token
    from edge_agent.centre import mount_edge_hub

    app = FastAPI()
    mount_edge_hub(app, tessera, admin=admin_check(tessera.store))
    with tessera.store.session() as s:
        admin, staff = issue_token(s, "admin", scopes=["admin"]), issue_token(s, "admin")  # the same admin, unscoped
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        assert client.get("/v1/edge/nodes").status_code == 401
        refused = client.get("/v1/edge/nodes", headers=bearer(staff))
        assert refused.status_code == 403 and "'admin' scope" in refused.json()["detail"]
        enrolled = client.post("/v1/edge/nodes", json={"node_id": "plant-7", "account_id": PLANT}, headers=bearer(admin))
        assert enrolled.status_code == 201
        listed = client.get("/v1/edge/nodes", headers=bearer(admin)).json()
        assert [(n["node_id"], n["account_id"], n["connected"]) for n in listed] == [("plant-7", PLANT, False)]
        credential = enrolled.json()["credential"]
        assert client.get("/v1/edge/nodes/plant-7/records", headers=bearer(credential)).status_code == 404  # not synced yet
        assert client.get("/v1/edge/nodes/plant-7/records", headers=bearer(admin)).status_code == 404
        assert client.get("/v1/edge/nodes/plant-7/records", headers=bearer(staff)).status_code == 403


def test_a_credential_in_the_query_string_never_reaches_the_servers_log(centre):
    import logging

    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    keep = Keep(level=logging.DEBUG)
    server_log = logging.getLogger("uvicorn.error")

    async def connect_by_query(sync_url: str) -> None:
        async with connect(f"{sync_url}/plant-7?token={centre.credential7}") as ws:
            await ws.recv()
        assert await refused_status(f"{sync_url}/plant-7?token={centre.credential8}") == 403

    with centre.serving() as (sync_url, _):
        server_log.addHandler(keep)
        level = server_log.level
        server_log.setLevel(logging.INFO)
        try:
            asyncio.run(connect_by_query(sync_url))
        finally:
            server_log.removeHandler(keep)
            server_log.setLevel(level)
    assert sum("/v1/edge/sync/plant-7" in line for line in lines) == 2  # the lines are there, the credentials are not
    assert not any(centre.credential7 in line or centre.credential8 in line for line in lines)


def test_the_redaction_holds_without_any_other_library_filtering_the_log():
    import logging

    from edge_agent.gate import RedactCredentials

    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, '%s - "WebSocket %s" [accepted]',
                               ("127.0.0.1:5000", "/v1/edge/sync/plant-7/3?token=tsn_SECRET-value_1&x=1"), None)
    assert RedactCredentials().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "WebSocket /v1/edge/sync/plant-7/3?token=[redacted]&x=1" [accepted]'


def test_the_worker_factory_mounts_the_hub_with_the_servers_admins(data_dir, monkeypatch):
    from fastapi.testclient import TestClient

    from channels.asgi import create_server
    from channels.auth import issue_token

    monkeypatch.setenv("TESSERA_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TESSERA_DATABASE_URL", f"sqlite:///{data_dir / 'tessera.db'}")
    monkeypatch.setenv("TESSERA_CHECKPOINT_URL", str(data_dir / "checkpoints.db"))
    server = create_server()
    with TestClient(server) as client:
        for _ in range(600):  # the worker answers at once and builds its assistant in a thread: wait for /ready
            if client.get("/ready").status_code == 200:
                break
            time.sleep(0.1)
        assert server.app is not None, "the worker never became ready"
        with server.app.state.tessera.store.session() as s:
            admin = issue_token(s, "admin", scopes=["admin"])
        assert client.get("/v1/edge/nodes").status_code == 401
        assert client.get("/v1/edge/nodes", headers=bearer(admin)).status_code == 200
