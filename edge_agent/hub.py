"""The centre's side of edge sync: a room of shard documents per node, the websocket endpoint, and what the
centre does with what arrives: conflict resolutions written to history, follow-ups fired through the outbox.

Its HTTP and websocket routes are in hub_http.py (`edge_router`); every route asks the gate first (gate.py).
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import WebSocket, WebSocketDisconnect

from crm.edge_nodes import NodeRefused
from edge_agent.field_service import FieldService, number_of
from edge_agent.followups import Followups, due_actions
from edge_agent.gate import EdgeGate
from edge_agent.persistence import SHARDS, DocSet, UpdateLog
from edge_agent.records import KINDS, RecordStore
from edge_agent.screening import screen_change, screen_record
from edge_agent.sync import ShardPeer, SyncPeer

if TYPE_CHECKING:
    from edge_agent.pg_log import PgUpdateLog

CENTRAL = "central"
RECHECK_S = 5.0  # how often a connected node's enrolment is looked at again (a revoked node is cut off)
NODE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
log = logging.getLogger("edge_agent.hub")


@dataclass
class NodeRoom:
    """Everything the centre holds for one edge node."""

    node_id: str
    docset: DocSet
    records: RecordStore
    service: FieldService
    account_id: int | None = None  # the site's account, from the node's enrolment
    peers: set[SyncPeer] = field(default_factory=set)
    touched: set[str] = field(default_factory=set)


class EdgeHub:
    """Central documents and their update log; reviews changed work orders for conflicts and follow-ups."""

    def __init__(self, data_dir: Path, followups: Followups | None = None, *, synchronous: str = "FULL",
                 deliver_every_s: float = 0.5, compact_every_s: float = 10.0,
                 site_account: Callable[[str], int | None] | None = None, log: UpdateLog | PgUpdateLog | None = None):
        # the embedded default: a SQLite file, one process; `log=PgUpdateLog(url)` shares rooms between workers
        self.log = log if log is not None else UpdateLog(Path(data_dir) / "hub.db", synchronous=synchronous)
        self.followups = followups
        self.site_account = site_account or (lambda node_id: None)  # a node's enrolled account (gate.py)
        self.rooms: dict[str, NodeRoom] = {}
        self.deliver_every_s = deliver_every_s
        self.compact_every_s = compact_every_s
        self._review_wake: asyncio.Event | None = None
        self._deliver_wake: asyncio.Event | None = None
        self._tasks: list[asyncio.Task] = []
        self._reviewing = False

    # -- lifecycle ------------------------------------------------------------------------------------------
    async def start(self) -> None:
        """Load every node seen before and review all its work orders (a crash may have cut a review short)."""
        if self._tasks:
            return
        self._review_wake, self._deliver_wake = asyncio.Event(), asyncio.Event()
        for node_id in sorted({room.split("/", 1)[0] for room in self.log.rooms()}):
            room = self.room(node_id)
            room.touched.update(room.records.ids("work_order"))
        self._review_wake.set()
        self._tasks = [asyncio.create_task(self._review_loop()), asyncio.create_task(self._deliver_loop()),
                       asyncio.create_task(self._compact_loop())]
        if hasattr(self.log, "follow"):  # a shared log: hear what the other workers take in
            self.following = asyncio.Event()
            self._tasks.append(asyncio.create_task(self.log.follow(self._from_log, self._quarantine_heard,
                                                                   ready=self.following)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self.log.close()

    @asynccontextmanager
    async def lifespan(self, _app=None):
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    def room(self, node_id: str) -> NodeRoom:
        if not NODE_ID.match(node_id):
            raise ValueError(f"node id {node_id!r} must be 1-64 letters, digits, '-' or '_'")
        room = self.rooms.get(node_id)
        if room is None:
            docset = DocSet(self.log, room_prefix=f"{node_id}/")
            records = RecordStore(docset, CENTRAL,
                                  on_quarantine=lambda kind, rid, why: self._quarantined(node_id, kind, rid, why))
            records.quarantined = {(q["kind"], q["record_id"]): q["reason"] for q in self.log.quarantined(node_id)}
            room = self.rooms[node_id] = NodeRoom(node_id, docset, records, FieldService(records),
                                                  account_id=self.site_account(node_id))
            records.screen = lambda kind, rid, raw, room=room: screen_record(kind, rid, raw, node_id=room.node_id,
                                                                             account_id=room.account_id)
            for kind in KINDS:
                records.watch(kind, lambda rid, changes, room=room, kind=kind: self._changed(room, kind, rid, changes))
        return room

    def _changed(self, room: NodeRoom, kind: str, record_id: str, changes: dict) -> None:
        if room.docset.applying_remote:  # the node's change, not ours: it may touch only what is the node's
            reason = screen_change(record_id, changes, node_id=room.node_id)
            if reason is not None:
                room.records.quarantine(kind, record_id, reason)
        if kind == "work_order":
            room.touched.add(record_id)
            if self._review_wake is not None:
                self._review_wake.set()

    def _from_log(self, room_name: str, update: bytes) -> None:
        """Another worker logged this update (from its node, or its own writes): apply it here too."""
        node_id, _, shard = room_name.rpartition("/")
        try:
            self.room(node_id).docset.apply_logged(int(shard), update, source="log")
        except Exception:  # one bad row must not stop hearing the others
            log.exception("could not apply update of room %s from the shared log", room_name)

    def _quarantine_heard(self, node_id: str) -> None:
        room = self.rooms.get(node_id)
        if room is not None:
            room.records.quarantined.update({(q["kind"], q["record_id"]): q["reason"] for q in self.log.quarantined(node_id)})

    def _quarantined(self, node_id: str, kind: str, record_id: str, reason: str) -> None:
        log.warning("quarantined %s %s from node %s: %s", kind, record_id, node_id, reason)
        self.log.quarantine(node_id, kind, record_id, reason)

    def quarantine(self, node_id: str) -> list[dict]:
        """What the node synced that failed screening: kind, record id, why and when."""
        return self.log.quarantined(node_id)

    # -- sync -----------------------------------------------------------------------------------------------
    async def serve(self, websocket: WebSocket, node_id: str, gate: EdgeGate, *, shard: int | None = None,
                    recheck_s: float | None = None) -> None:
        """Run the sync protocol with one enrolled node over its websocket until it disconnects or is revoked:
        every shard multiplexed (our node), or the one `shard` a stock Y.js provider named in its room.

        An unknown or revoked credential, or a node asking for another node's room, is refused before the
        handshake completes (HTTP 403), and no room is created for it."""
        recheck_s = RECHECK_S if recheck_s is None else recheck_s
        if not NODE_ID.match(node_id):
            await websocket.close(code=1008, reason="node id must be 1-64 letters, digits, '-' or '_'")
            return
        if shard is not None and not 0 <= shard < SHARDS:
            await websocket.close(code=1008, reason=f"rooms of a node are <node>/0 to <node>/{SHARDS - 1}")
            return
        try:
            node = await asyncio.to_thread(gate.sync_node, websocket, node_id)
        except NodeRefused as exc:
            log.warning("refused sync for room %s from %s: %s", node_id, websocket.client and websocket.client.host, exc)
            await websocket.close(code=1008, reason=str(exc)[:120])
            return
        await websocket.accept()
        room = self.room(node_id)
        room.account_id = node.account_id  # enrolment decides the site's account, never what the node sends
        peer = (SyncPeer(room.docset, websocket.send_bytes, name=node_id) if shard is None
                else ShardPeer(room.docset, shard, websocket.send_bytes, name=f"{node_id}/{shard}"))
        room.peers.add(peer)
        checked = time.monotonic()

        async def receive() -> bytes:
            nonlocal checked
            data = await websocket.receive_bytes()
            if time.monotonic() - checked > recheck_s:
                if not await asyncio.to_thread(gate.still_active, node_id):
                    raise NodeRefused(f"node {node_id} was revoked")
                checked = time.monotonic()
            return data

        try:
            await peer.run(receive)
        except WebSocketDisconnect:
            pass
        except NodeRefused as exc:
            log.warning("sync with %s cut off: %s", node_id, exc)
            await websocket.close(code=1008, reason=str(exc)[:120])
        except Exception as exc:  # a broken link or a bad frame ends this session, never the centre
            log.warning("sync with %s ended: %s: %s", node_id, type(exc).__name__, exc)
        finally:
            room.peers.discard(peer)

    # -- what the centre does with changes ------------------------------------------------------------------
    async def review(self) -> None:
        """Record conflict resolutions and fire follow-ups for every work order touched since the last review."""
        for room in list(self.rooms.values()):
            if not room.touched:
                continue
            ids, room.touched = room.touched, set()
            entries, due = [], []
            for rid in ids:
                reviewed = room.records.review("work_order", rid)
                if reviewed is None:
                    continue  # its update is still waiting for the ones it depends on
                record, resolutions = reviewed
                entries += [(rid, r.key, r.history_entry(CENTRAL)) for r in resolutions]
                record["fields"]["number"] = number_of(rid)
                done = {e["id"] for e in record["history"]}
                due += [(record, action) for action in due_actions(record) if f"followup:{action}" not in done]
            if due and self.followups is not None:
                fired = await asyncio.to_thread(self.followups.fire, room.node_id, due)
                entries += [(rid, f"followup:{action}", {"op": "followup", **outcome}) for (rid, action), outcome in fired.items()]
                if any(outcome["status"] == "pending" for outcome in fired.values()):
                    self._deliver_wake.set()
            if entries:
                room.records.add_entries("work_order", entries)

    @property
    def busy(self) -> bool:
        """Changed work orders are waiting for review, or a review is running."""
        return self._reviewing or any(room.touched for room in self.rooms.values())

    async def _review_loop(self) -> None:
        while True:
            await self._review_wake.wait()
            self._review_wake.clear()
            self._reviewing = True
            try:
                await self.review()
            except Exception:
                log.exception("review of edge work orders failed; retrying in 2s")
                for room in self.rooms.values():
                    room.touched.update(room.records.ids("work_order"))
                await asyncio.sleep(2)
                self._review_wake.set()
            finally:
                self._reviewing = False

    async def _deliver_loop(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._deliver_wake.wait(), timeout=self.deliver_every_s)
            except asyncio.TimeoutError:
                pass
            self._deliver_wake.clear()
            if self.followups is None:
                continue
            try:
                while await asyncio.to_thread(self.followups.deliver_due) >= 50:
                    pass
            except Exception:
                log.exception("webhook delivery pass failed; the outbox keeps the calls for the next pass")

    async def _compact_loop(self) -> None:
        while True:
            await asyncio.sleep(self.compact_every_s)
            for room in list(self.rooms.values()):
                room.docset.compact_if_due()

    def status(self) -> list[dict]:
        return [
            {
                "node_id": room.node_id,
                "connected": bool(room.peers),
                "synced": any(peer.synced() for peer in room.peers),
                "records": {kind: room.records.count(kind) for kind in KINDS},
            }
            for room in self.rooms.values()
        ]
