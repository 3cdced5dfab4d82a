"""What a node syncs is untrusted input. A record with a wrong type, an oversized note, a state that does not exist,
another customer's account, or a part only the centre may write (its registers, its history entries) is
quarantined with its reason: never listed, reviewed or followed up, and the hub keeps going with the rest."""
from __future__ import annotations

import asyncio
import json
import logging
import uuid

import httpx
import pytest
from pycrdt import Map

from edge_agent.field_service import FieldService
from edge_agent.hub import EdgeHub
from edge_agent.persistence import DocSet, UpdateLog
from edge_agent.records import RecordStore
from tests.security.edge_support import OTHER, PLANT, Centre, bearer, until


@pytest.fixture
def centre(store, tmp_path) -> Centre:
    return Centre(store, tmp_path)


class Site:
    """A node's replica, written by its honest field service or tampered with at the CRDT level."""

    def __init__(self, path):
        self.docset = DocSet(UpdateLog(path, synchronous="NORMAL"))
        self.records = RecordStore(self.docset, "plant-7")
        self.service = FieldService(self.records)

    def record(self, kind: str, record_id: str) -> Map:
        return self.records._root(kind, self.records.shard_of(record_id))[record_id]

    def tamper(self, kind: str, record_id: str, key: str, value) -> None:
        self.record(kind, record_id)[key] = value if isinstance(value, str) else json.dumps(value)

    def push_to(self, hub: EdgeHub) -> None:
        room = hub.room("plant-7")
        for shard, doc in enumerate(self.docset.docs):
            room.docset.apply_remote(shard, doc.get_update(), source="plant-7")  # what SyncPeer does with a frame


def repair(site: Site, title: str, **kw) -> str:
    return site.service.create_work_order(title=title, wo_type="repair", **kw)["id"]


def test_invalid_records_are_quarantined_and_nothing_is_written_while_the_valid_one_goes_through(centre, tmp_path, caplog):
    site = Site(tmp_path / "site.db")
    good = repair(site, "pump P-12 leaking")
    elsewhere = repair(site, "bill it to the port", account_id=OTHER)
    wrong_type = repair(site, "title about to become a number")
    site.tamper("work_order", wrong_type, "head", {**json.loads(site.record("work_order", wrong_type)["head"]),
                                                   "fields": {"title": 12345, "type": "repair", "asset": None,
                                                              "location": None, "account_id": None}})
    huge_note = repair(site, "gearbox noise")
    site.service.add_note(huge_note, "x" * 50_000)
    bad_state = repair(site, "valve V-3 stuck")
    site.tamper("work_order", bad_state, "r/status/plant-7", {"v": "exploded", "hlc": "9999999999999.000000.plant-7", "seen": {}})
    bad_clock = repair(site, "a clock stamp the merge rules cannot read")
    site.tamper("work_order", bad_clock, "r/assignee/plant-7", {"v": "Zhang Wei", "hlc": "9", "seen": {}})
    not_json = repair(site, "an integer where JSON text belongs")
    site.tamper("work_order", not_json, "r/priority/plant-7", "7")  # JSON, but not a register
    site.record("work_order", not_json)["h/raw"] = "{not json"
    bare = str(uuid.uuid4())
    site.records._root("work_order", site.records.shard_of(bare))[bare] = 42.0  # a number, not a record
    bad_move = site.service.record_inventory_move(part="seal", quantity=1, from_location="store", to_location="line 3")["id"]
    site.tamper("inventory_move", bad_move, "head", {**json.loads(site.record("inventory_move", bad_move)["head"]),
                                                     "fields": {"part": "seal", "quantity": -5, "from_location": "a",
                                                                "to_location": "b", "work_order_id": None, "weight_check": None}})
    cases_before, accounts_before = centre.case_rows(), centre.accounts()

    async def scenario():
        await centre.hub.start()
        try:
            site.push_to(centre.hub)
            await until(lambda: not centre.hub.busy and len(centre.cases()) >= 1, what="the valid work order's case")
            await asyncio.sleep(0.3)
            await until(lambda: not centre.hub.busy)
            transport = httpx.ASGITransport(app=centre.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
                listed = await client.get("/v1/edge/nodes/plant-7/records", headers=bearer(centre.credential7))
                quarantine = await client.get("/v1/edge/nodes/plant-7/quarantine", headers=bearer(centre.credential7))
                one = await client.get(f"/v1/edge/nodes/plant-7/work-orders/{elsewhere}", headers=bearer(centre.credential7))
                stranger = await client.get("/v1/edge/nodes/plant-7/quarantine", headers=bearer(centre.credential8))
            return listed, quarantine, one, stranger
        finally:
            await centre.hub.stop()

    with caplog.at_level(logging.WARNING, logger="edge_agent.hub"):
        listed, quarantine, one, stranger = asyncio.run(scenario())

    assert listed.status_code == 200  # one bad record never makes the list answer 500
    assert {r["id"] for r in listed.json()} == {good}
    reasons = {q["record_id"]: q["reason"] for q in quarantine.json()}
    assert set(reasons) == {elsewhere, wrong_type, huge_note, bad_state, bad_clock, not_json, bare, bad_move}
    assert "not a clock stamp" in reasons[bad_clock]
    assert f"account {OTHER}" in reasons[elsewhere] and f"site's account {PLANT}" in reasons[elsewhere]
    assert "title is a int" in reasons[wrong_type]
    assert "50000 characters" in reasons[huge_note]
    assert "'exploded'" in reasons[bad_state]
    assert "not JSON" in reasons[not_json] or "not {v, hlc, seen}" in reasons[not_json]
    assert "not a record map" in reasons[bare]
    assert "quantity -5" in reasons[bad_move]
    assert one.status_code == 404 and "quarantined" in one.json()["detail"]
    assert stranger.status_code == 403
    assert sum("quarantined" in r.message for r in caplog.records) == len(reasons)

    # nothing written for any of them: one case, for the valid work order, on the enrolled account
    cases = centre.cases()
    assert [c.classification["work_order_id"] for c in cases] == [good]
    assert (cases[0].account_id, cases[0].opened_by) == (PLANT, centre.plant7.user_id)
    assert centre.outbox() == [(good, "service_case")]
    assert centre.case_rows()[:len(cases_before)] == cases_before and centre.accounts() == accounts_before


def test_a_node_cannot_write_what_only_the_centre_writes(centre, tmp_path):
    site = Site(tmp_path / "site.db")
    honest = repair(site, "conveyor C-2 slipping")
    forged_register = repair(site, "closed by 'the centre'")
    forged_entry = repair(site, "case 'already opened'")
    rewritten = repair(site, "head rewritten later")

    async def scenario():
        await centre.hub.start()
        try:
            site.push_to(centre.hub)
            await until(lambda: len(centre.cases()) == 4 and not centre.hub.busy, what="the first four cases")
            # now the node tampers with what it already synced
            site.tamper("work_order", forged_register, "r/status/central", {"v": "closed", "hlc": "9999999999999.000000.central", "seen": {}})
            site.tamper("work_order", forged_entry, "h/followup:insurance_claim",
                        {"op": "followup", "action": "insurance_claim", "status": "delivered", "by": "central",
                         "hlc": "1", "at": "2026-01-01T00:00:00Z"})
            head = json.loads(site.record("work_order", rewritten)["head"])
            site.tamper("work_order", rewritten, "head", {**head, "fields": {**head["fields"], "type": "insurance_claim"}})
            site.service.add_note(honest, "seal replaced")  # an honest change passes
            site.push_to(centre.hub)
            await until(lambda: not centre.hub.busy)
            room = centre.hub.rooms["plant-7"]
            return room.service.records_of("work_order"), centre.hub.quarantine("plant-7")
        finally:
            await centre.hub.stop()

    listed, quarantined = asyncio.run(scenario())
    assert [r["id"] for r in listed] == [honest]
    assert listed[0]["history"][-1]["note"] == "seal replaced"
    reasons = {q["record_id"]: q["reason"] for q in quarantined}
    assert "register 'r/status/central' of 'central'" in reasons[forged_register]
    assert "signed by 'central'" in reasons[forged_entry]
    assert "rewrote the head" in reasons[rewritten]

    # the quarantine outlives a restart of the hub
    again = EdgeHub(tmp_path / "hub", None, synchronous="NORMAL", site_account=lambda node: PLANT)
    assert [r["id"] for r in again.room("plant-7").service.records_of("work_order")] == [honest]
    again.log.close()


def test_a_malicious_node_over_the_real_websocket_gets_its_bad_record_quarantined_and_stays_connected(centre, tmp_path):
    from edge_agent.node import EdgeNode

    async def scenario(sync_url: str):
        node = EdgeNode("plant-7", tmp_path / "node", sync_url, credential=centre.credential7, synchronous="NORMAL")
        await node.start()
        try:
            bad = node.service.create_work_order(title="t" * 10, wo_type="repair", account_id=OTHER)["id"]
            await node.durable()
            await until(lambda: centre.hub.quarantine("plant-7"), what="the quarantine")
            good = node.service.create_work_order(title="pump P-12 leaking", wo_type="repair")["id"]
            await node.durable()
            await until(lambda: len(centre.cases()) == 1 and not centre.hub.busy, what="the valid case")
            return bad, good, node.sync.connects, centre.hub.quarantine("plant-7")
        finally:
            await node.stop()

    with centre.serving() as (sync_url, _):
        bad, good, connects, quarantined = asyncio.run(scenario(sync_url))
    assert connects == 1  # quarantine is not a reason to drop the link
    assert [q["record_id"] for q in quarantined] == [bad]
    assert [c.classification["work_order_id"] for c in centre.cases()] == [good]
    assert all(c.account_id != OTHER for c in centre.cases())
