"""At the centre, edge work orders become CRM cases and insurance-claim webhook calls, exactly once, however
often their updates arrive and however often the centre restarts."""
from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from crm.edge_nodes import enroll_node, revoke_node
from crm.models import Account, Base, Case, SalesUnit, Tenant, User
from crm.store import Store
from edge_agent.field_service import FieldService
from edge_agent.followups import EdgeOutbox, FollowupConfig, Followups
from edge_agent.hub import EdgeHub
from edge_agent.persistence import DocSet, UpdateLog
from edge_agent.records import RecordStore


class SiteCrm:
    """A CRM with two site accounts; node plant-7 is enrolled for the first."""

    def __init__(self, store: Store):
        self.account_id, self.other_account_id = seed_crm(store)
        with store.session() as s:
            node, self.credential = enroll_node(s, "plant-7", self.account_id, by="test")
        self.node_user_id = node.user_id


def seed_crm(store: Store) -> tuple[int, int]:
    """A CRM with two site accounts (plant 7's, and another customer's)."""
    Base.metadata.create_all(store.engine)
    with store.session() as s:
        tenant = Tenant(name="Acme Industrial")
        s.add(tenant), s.flush()
        unit = SalesUnit(tenant_id=tenant.id, code="EAST", name="East", region="east")
        s.add(unit), s.flush()
        bot = User(tenant_id=tenant.id, login="edge.bot", display_name="Edge integration", role="admin", unit_id=unit.id)
        s.add(bot), s.flush()
        plant = Account(tenant_id=tenant.id, unit_id=unit.id, owner_id=bot.id, name="Suzhou Plant 7", industry="manufacturing", region="east", city="Suzhou")
        other = Account(tenant_id=tenant.id, unit_id=unit.id, owner_id=bot.id, name="Ningbo Port", industry="logistics", region="east", city="Ningbo")
        s.add_all([plant, other]), s.flush()
        return plant.id, other.id


class ClaimsReceiver:
    """A stand-in for the insurer's webhook: answers with the scripted statuses, then 200; dedupes by Idempotency-Key."""

    def __init__(self, statuses: list[int] | None = None):
        self.statuses = list(statuses or [])
        self.deliveries: list[tuple[str, dict]] = []
        self.claims: dict[str, dict] = {}  # what the receiver acted on, once per key
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.deliveries.append((key, body))
                if status == 200:
                    receiver.claims.setdefault(key, body)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/claims"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receiver():
    fake = ClaimsReceiver(statuses=[503])  # the first call fails: delivery must retry
    yield fake
    fake.close()


def push(site_docs: DocSet, room_docs: DocSet, *, times: int = 1) -> None:
    """Deliver everything the site has to the centre (as a step-2 would), `times` times over."""
    for _ in range(times):
        for shard, doc in enumerate(site_docs.docs):
            room_docs.apply_remote(shard, doc.get_update(), source="test")


async def eventually(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("not reached within the timeout")
        await asyncio.sleep(0.02)


def test_work_orders_become_cases_and_claims_once_despite_duplicates_and_restarts(tmp_path, receiver):
    store = Store(f"sqlite:///{tmp_path / 'crm.db'}")
    crm = SiteCrm(store)
    account_id, node_user = crm.account_id, crm.node_user_id
    config = FollowupConfig(webhook_url=receiver.url, retry_base_s=0.05)
    site_docs = DocSet(UpdateLog(tmp_path / "node.db", synchronous="NORMAL"))
    site = FieldService(RecordStore(site_docs, "plant-7"))

    repair = site.create_work_order(title="pump P-12 leaking", asset="P-12", location="line 3", wo_type="repair", priority="high")
    checkup = site.create_work_order(title="quarterly check of press PR-4", wo_type="maintenance", needs_case=True)
    routine = site.create_work_order(title="grease conveyor C-2", wo_type="maintenance")
    claim = site.create_work_order(title="forklift FL-2 hit rack", asset="FL-2", wo_type="insurance_claim")

    def cases() -> list[Case]:
        with store.session() as s:
            return list(s.scalars(select(Case).order_by(Case.id)))

    async def scenario():
        hub = EdgeHub(tmp_path / "hub", Followups(store, config), synchronous="NORMAL", deliver_every_s=0.05)
        await hub.start()
        room = hub.room("plant-7")
        push(site_docs, room.docset, times=3)
        await eventually(lambda: len(cases()) == 1 and receiver.claims)
        assert cases()[0].classification["work_order_id"] == repair["id"]

        site.close(checkup["id"], note="bearing worn, customer to be quoted")
        site.close(routine["id"])
        push(site_docs, room.docset, times=2)
        await eventually(lambda: len(cases()) == 2)
        await hub.stop()

        restarted = EdgeHub(tmp_path / "hub", Followups(store, config), synchronous="NORMAL", deliver_every_s=0.05)
        await restarted.start()  # reviews every work order again
        push(site_docs, restarted.room("plant-7").docset)
        await eventually(lambda: not restarted.busy)
        records = {r["id"]: r for r in restarted.room("plant-7").service.work_orders()}
        await restarted.stop()
        return records

    records = asyncio.run(scenario())

    opened = cases()
    assert [c.classification["work_order_id"] for c in opened] == [repair["id"], checkup["id"]]
    first = opened[0]
    # on the node's enrolled account, attributed to the node's own service user (not an admin)
    assert (first.kind, first.category, first.priority, first.account_id, first.opened_by) == ("service", "repair", "high", account_id, node_user)
    assert first.description.startswith(f"{repair['fields']['number']}: pump P-12 leaking (asset P-12, at line 3)")
    assert opened[1].classification["rule"] == "closed with needs_case"

    assert list(receiver.claims) == [f"edge:{claim['id']}:insurance_claim"]
    assert receiver.claims[f"edge:{claim['id']}:insurance_claim"]["work_order"]["asset"] == "FL-2"
    assert [key for key, _ in receiver.deliveries] == [f"edge:{claim['id']}:insurance_claim"] * 2  # 503, then accepted

    with store.session() as s:
        outbox = {(row.record_id, row.action): row.status for row in s.scalars(select(EdgeOutbox))}
    assert outbox == {(repair["id"], "service_case"): "done", (checkup["id"], "service_case"): "done",
                      (claim["id"], "insurance_claim"): "delivered"}

    followups = {rid: [e["action"] for e in r["history"] if e["op"] == "followup"] for rid, r in records.items()}
    assert followups == {repair["id"]: ["service_case"], checkup["id"]: ["service_case"], routine["id"]: [], claim["id"]: ["insurance_claim"]}
    case_entry = next(e for e in records[repair["id"]]["history"] if e["op"] == "followup")
    assert case_entry["case_id"] == first.id and case_entry["by"] == "central"


def test_a_follow_up_waits_for_enrolment_and_configuration_instead_of_failing(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'crm.db'}")
    crm = SiteCrm(store)
    followups = Followups(store, FollowupConfig())  # no webhook configured
    wo = {"id": "0" * 8 + "-0000-4000-8000-" + "0" * 12, "origin": "plant-9", "created_at": "2026-01-01T00:00:00Z",
          "fields": {"type": "repair", "number": "WO-00000000", "title": "x", "account_id": crm.account_id}}
    assert followups.fire("plant-9", [(wo, "service_case")]) == {}  # plant-9 is not enrolled
    assert followups.fire("plant-7", [(wo, "insurance_claim")]) == {}  # no webhook yet
    with store.session() as s:
        revoke_node(s, "plant-7")
    assert followups.fire("plant-7", [(wo, "service_case")]) == {}  # revoked
    with store.session() as s:
        assert s.scalars(select(EdgeOutbox)).all() == [] and s.scalars(select(Case)).all() == []
