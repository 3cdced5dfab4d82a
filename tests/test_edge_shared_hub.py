"""Two API workers on PostgreSQL share the edge hub: what a node syncs through one worker is in the other's rooms
within moments, the centre's writes on either reach both, a quarantine on one holds on the other, and each
follow-up still happens once. (The embedded SQLite log stays the single-process default.)"""
from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from fastapi import FastAPI

from crm.store import Store
from edge_agent.followups import FollowupConfig, Followups
from edge_agent.gate import EdgeGate
from edge_agent.hub import EdgeHub
from edge_agent.hub_http import edge_router
from edge_agent.node import EdgeNode
from edge_agent.pg_log import PgUpdateLog
from tests.postgres_support import scratch_or_skip
from tests.security.edge_support import until
from tests.security.test_edge_untrusted_sync import Site
from tests.test_edge_followups import SiteCrm

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url():
    with scratch_or_skip("tessera_edge") as url:
        yield url


@pytest.fixture
def crm(pg_url):
    store = Store(pg_url)
    site = SiteCrm(store)
    site.store = store
    yield site
    store.dispose()


def worker(crm, pg_url, tmp_path, name: str) -> tuple[EdgeHub, FastAPI]:
    gate = EdgeGate(crm.store)
    hub = EdgeHub(tmp_path / name, Followups(crm.store, FollowupConfig()), site_account=gate.site_account,
                  log=PgUpdateLog(pg_url), deliver_every_s=0.05)
    app = FastAPI()
    app.include_router(edge_router(hub, gate))
    return hub, app


def cases(crm) -> list:
    from sqlalchemy import select

    from crm.models import Case
    with crm.store.session() as s:
        return [(c.classification["work_order_id"], c.account_id, c.opened_by) for c in s.scalars(select(Case))]


def test_two_workers_share_rooms_writes_quarantine_and_follow_ups(crm, pg_url, tmp_path):
    site = Site(tmp_path / "site.db")
    first = site.service.create_work_order(title="pump P-12 leaking", wo_type="repair")["id"]
    second = site.service.create_work_order(title="press PR-4 check", wo_type="maintenance")["id"]

    async def scenario():
        a, _ = worker(crm, pg_url, tmp_path, "a")
        b, _ = worker(crm, pg_url, tmp_path, "b")
        await a.start(), await b.start()
        await asyncio.wait_for(asyncio.gather(a.following.wait(), b.following.wait()), 10)
        try:
            site.push_to(a)  # the node is connected to worker A
            await until(lambda: "plant-7" in b.rooms and b.rooms["plant-7"].records.count("work_order") == 2,
                        what="worker B hearing of the node's work orders")
            # the centre writes on worker B (an HQ dispatcher's request landed there); A and the node see it
            b.rooms["plant-7"].service.assign(second, "HQ dispatcher")
            await until(lambda: a.rooms["plant-7"].service.work_order(second)["fields"]["assignee"] == "HQ dispatcher",
                        what="worker A hearing of B's write")
            # both workers review the repair order: one case, one outbox row
            await until(lambda: len(cases(crm)) == 1 and not a.busy and not b.busy, what="the case")
            await asyncio.sleep(0.5)
            # a forged centre register taken in by A is quarantined on B too
            site.tamper("work_order", first, "r/status/central", {"v": "closed", "hlc": "9", "seen": {}})
            site.push_to(a)
            await until(lambda: ("work_order", first) in b.rooms["plant-7"].records.quarantined, what="B learning the quarantine")
            return [r["id"] for r in b.rooms["plant-7"].service.records_of("work_order")]
        finally:
            await a.stop(), await b.stop()

    listed_on_b = asyncio.run(scenario())
    assert listed_on_b == [second]
    assert cases(crm) == [(first, crm.account_id, crm.node_user_id)]


def test_a_node_synced_through_one_worker_is_served_by_the_other(crm, pg_url, tmp_path):
    from tests.security.conftest import served

    hub_a, app_a = worker(crm, pg_url, tmp_path, "a")
    hub_b, app_b = worker(crm, pg_url, tmp_path, "b")
    headers = {"Authorization": f"Bearer {crm.credential}"}

    async def sync_through(url: str, titles: list[str]) -> list[str]:
        node = EdgeNode("plant-7", tmp_path / "node", url, credential=crm.credential, synchronous="NORMAL")
        await node.start()
        try:
            ids = [node.service.create_work_order(title=t)["id"] for t in titles]
            await node.durable()
            await until(lambda: node.sync.peer is not None and node.sync.peer.synced(), what="the node in sync")
            return ids
        finally:
            await node.stop()

    with served(app_a) as (host_a, port_a), served(app_b) as (host_b, port_b):
        ids = asyncio.run(sync_through(f"ws://{host_a}:{port_a}/v1/edge/sync", ["grease conveyor C-2"]))
        # the node's next connection lands on worker B: it holds the node's records already, and takes more
        ids += asyncio.run(sync_through(f"ws://{host_b}:{port_b}/v1/edge/sync", ["replace filter F-9"]))
        def listed(host: str, port: int) -> list[str] | int:
            answer = httpx.get(f"http://{host}:{port}/v1/edge/nodes/plant-7/records", headers=headers)
            return [r["id"] for r in answer.json()] if answer.status_code == 200 else answer.status_code

        deadline = time.monotonic() + 15
        while True:  # worker A hears of what B took in through the log's notifications
            on_a, on_b = listed(host_a, port_a), listed(host_b, port_b)
            if (on_a == on_b and isinstance(on_a, list) and len(on_a) == 2) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    assert isinstance(on_a, list) and sorted(on_a) == sorted(ids) and on_a == on_b
