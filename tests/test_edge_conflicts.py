"""The same work order changed at the site and at the centre while apart: merged by the documented rules, with
each resolution written once into the record's history, identical on both sides."""
from __future__ import annotations

import asyncio
import itertools

from edge_agent.clock import HybridClock
from edge_agent.conflicts import Register, concurrent_frontier, resolve
from edge_agent.field_service import FieldService
from edge_agent.hub import EdgeHub
from edge_agent.persistence import DocSet, UpdateLog
from edge_agent.records import RecordStore
from edge_agent.sync import SyncPeer


def ticking_clock(writer: str, start_ms: int) -> HybridClock:
    """A clock whose wall time moves 1 ms per reading, so the test decides who wrote last."""
    ticks = itertools.count(start_ms)
    return HybridClock(writer, wall_ms=lambda: next(ticks))


async def sync_once(a: DocSet, b: DocSet) -> None:
    """Connect two replicas until both hold the same state, then cut the link."""
    inbox_a, inbox_b = asyncio.Queue(), asyncio.Queue()
    pa = SyncPeer(a, lambda m: _put(inbox_b, m), "centre")
    pb = SyncPeer(b, lambda m: _put(inbox_a, m), "node")
    tasks = [asyncio.create_task(pa.run(inbox_a.get)), asyncio.create_task(pb.run(inbox_b.get))]
    for _ in range(2000):
        await asyncio.sleep(0.002)
        if pa.synced() and pb.synced():
            break
    else:
        raise AssertionError("replicas did not sync")
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _put(queue: asyncio.Queue, message: bytes) -> None:
    queue.put_nowait(message)


def site_and_centre(tmp_path, node_clock_ms: int, centre_clock_ms: int):
    site_docs = DocSet(UpdateLog(tmp_path / "node.db", synchronous="NORMAL"))
    site = FieldService(RecordStore(site_docs, "plant-7", ticking_clock("plant-7", node_clock_ms)))
    hub = EdgeHub(tmp_path / "hub", followups=None, synchronous="NORMAL")
    room = hub.room("plant-7")
    room.records.clock = ticking_clock("central", centre_clock_ms)
    return site, site_docs, hub, room


def conflicts_in(record: dict) -> dict[str, dict]:
    return {e["field"]: e for e in record["history"] if e["op"] == "conflict_resolved"}


def test_changes_made_apart_merge_by_the_rules_and_leave_one_history_entry_each(tmp_path):
    async def scenario():
        site, site_docs, hub, room = site_and_centre(tmp_path, node_clock_ms=1_000_000, centre_clock_ms=2_000_000)
        number = site.create_work_order(title="pump P-12 leaking", asset="P-12", wo_type="maintenance")["fields"]["number"]
        await sync_once(room.docset, site_docs)

        # the link is down: the technician works on it, the dispatcher at the centre reassigns and closes it
        site.assign(number, "Zhang Wei")
        site.progress(number, percent=60, labour_minutes=40, note="seal removed, shaft scored")
        room.service.assign(number, "Li Na")          # later by clock: the centre's assignment wins
        room.service.progress(number, labour_minutes=15, note="remote diagnosis")
        room.service.close(number, note="closed from HQ: replacement pump ordered")

        await sync_once(room.docset, site_docs)
        await hub.review()
        await sync_once(room.docset, site_docs)

        at_site, at_centre = site.work_order(number), room.service.work_order(number)
        assert at_site == at_centre
        f = at_site["fields"]
        assert f["status"] == "closed"                 # lattice: closed wins over in_progress
        assert f["assignee"] == "Li Na"                # last writer wins by hybrid logical clock
        assert f["labour_minutes"] == 55               # per-side counters add up
        assert f["progress_pct"] == 60
        notes = [e.get("note") for e in at_site["history"] if e.get("note")]
        assert {"seal removed, shaft scored", "remote diagnosis", "closed from HQ: replacement pump ordered"} <= set(notes)

        resolved = conflicts_in(at_site)
        assert set(resolved) == {"status", "assignee"}
        assert resolved["status"]["rule"] == "status_lattice" and resolved["status"]["result"] == "closed"
        assert {c["value"] for c in resolved["status"]["candidates"]} == {"in_progress", "closed"}
        assert resolved["assignee"]["rule"] == "last_writer_wins" and resolved["assignee"]["result"] == "Li Na"

        # reviewing and syncing again (a restart, a duplicate delivery) adds nothing
        room.touched.add(at_site["id"])
        await hub.review()
        await sync_once(room.docset, site_docs)
        again = site.work_order(number)
        assert [e["op"] for e in again["history"]].count("conflict_resolved") == 2
        await hub.stop()

    asyncio.run(scenario())


def test_the_later_assignment_wins_whichever_side_made_it(tmp_path):
    async def scenario():
        site, site_docs, hub, room = site_and_centre(tmp_path, node_clock_ms=5_000_000, centre_clock_ms=1_000_000)
        number = site.create_work_order(title="conveyor C-2 belt slipping")["fields"]["number"]
        await sync_once(room.docset, site_docs)
        room.service.assign(number, "Li Na")
        site.assign(number, "Zhang Wei")               # the site's clock is ahead: its assignment is later
        await sync_once(room.docset, site_docs)
        await hub.review()
        await sync_once(room.docset, site_docs)
        record = site.work_order(number)
        assert record["fields"]["assignee"] == "Zhang Wei" == room.service.work_order(number)["fields"]["assignee"]
        assert conflicts_in(record)["assignee"]["result"] == "Zhang Wei"
        await hub.stop()

    asyncio.run(scenario())


def test_a_change_made_after_seeing_the_other_side_is_not_a_conflict():
    node = Register("plant-7", "Zhang", "0000000001000.000000.plant-7")
    centre_after = Register("central", "Li", "0000000002000.000000.central", seen={"plant-7": node.hlc})
    assert concurrent_frontier([node, centre_after]) == [centre_after]
    assert resolve("assignee", [node, centre_after]) == ("Li", None)

    centre_apart = Register("central", "Li", "0000000002000.000000.central")
    value, resolution = resolve("assignee", [node, centre_apart])
    assert value == "Li" and resolution is not None and resolution.field == "assignee"
    assert resolve("labour_minutes", [Register("plant-7", 40, node.hlc), Register("central", 15, centre_apart.hlc)]) == (55, None)
