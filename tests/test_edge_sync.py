"""Two replicas joined by the sync protocol over a faulty in-memory link: cut, duplicated, reordered, crashed.

The link here is a pair of queues; tests/test_edge_faults.py does the same across real processes and sockets.
"""
from __future__ import annotations

import asyncio
import random

import pytest

from edge_agent.field_service import FieldService
from edge_agent.persistence import DocSet, UpdateLog
from edge_agent.records import KINDS, RecordStore
from edge_agent.sync import SyncPeer


class FaultyLink:
    """Delivers each side's frames to the other, duplicating some and shuffling the order of what is in flight."""

    def __init__(self, rng: random.Random, duplicate: float = 0.0, reorder: float = 0.0):
        self.rng, self.duplicate, self.reorder = rng, duplicate, reorder
        self.tasks: list[asyncio.Task] = []
        self.peers: tuple[SyncPeer, SyncPeer] | None = None

    def connect(self, a: DocSet, b: DocSet) -> None:
        inbox_a, inbox_b = asyncio.Queue(), asyncio.Queue()
        pa, pb = SyncPeer(a, self._sender(inbox_b), "b"), SyncPeer(b, self._sender(inbox_a), "a")
        self.peers = (pa, pb)
        self.tasks = [asyncio.create_task(pa.run(inbox_a.get)), asyncio.create_task(pb.run(inbox_b.get))]

    async def cut(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks, self.peers = [], None

    def _sender(self, inbox: asyncio.Queue):
        async def send(message: bytes) -> None:
            copies = 2 if self.rng.random() < self.duplicate else 1
            for _ in range(copies):
                if self.rng.random() < self.reorder:
                    asyncio.get_running_loop().call_later(self.rng.uniform(0, 0.01), inbox.put_nowait, message)
                else:
                    inbox.put_nowait(message)
        return send


class Side:
    """One replica: its log, documents and field service; `crash()` drops memory and rebuilds from the log."""

    def __init__(self, path, writer: str):
        self.path, self.writer = path, writer
        self.open()

    def open(self) -> None:
        self.docset = DocSet(UpdateLog(self.path, synchronous="NORMAL"))
        self.service = FieldService(RecordStore(self.docset, self.writer))

    def crash(self) -> None:
        self.docset.log.close()
        self.open()

    def content(self) -> dict:
        return {kind: self.service.records_of(kind) for kind in KINDS}


async def until(condition, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met within the timeout")
        await asyncio.sleep(0.005)


def random_change(side: Side, rng: random.Random, tag: str) -> None:
    orders = [wo for wo in side.service.work_orders() if wo["fields"]["status"] != "closed"]
    roll = rng.random()
    if roll < 0.4 or not orders:
        side.service.create_work_order(title=f"job {tag}", wo_type=rng.choice(["repair", "maintenance"]))
    elif roll < 0.6:
        side.service.assign(rng.choice(orders)["id"], rng.choice(["Zhang", "Li", "Wang"]))
    elif roll < 0.75:
        side.service.progress(rng.choice(orders)["id"], labour_minutes=rng.randint(1, 30), note=f"note {tag}")
    elif roll < 0.85:
        side.service.close(rng.choice(orders)["id"])
    else:
        side.service.record_inventory_move(part="seal", quantity=rng.randint(1, 5), from_location="store", to_location="line")


@pytest.mark.parametrize("seed", range(4))
def test_replicas_converge_through_cuts_duplicates_reordering_and_crashes(tmp_path, seed):
    rng = random.Random(seed)

    async def scenario() -> None:
        node, centre = Side(tmp_path / "node.db", "plant-7"), Side(tmp_path / "hub.db", "central")
        link = FaultyLink(rng, duplicate=0.2, reorder=0.3)
        for step in range(100):
            random_change(node if rng.random() < 0.7 else centre, rng, f"{seed}-{step}")
            roll = rng.random()
            if roll < 0.08 and link.tasks:
                await link.cut()
            elif roll < 0.16 and not link.tasks:
                link.connect(node.docset, centre.docset)
            elif roll < 0.19:  # a crash: in-flight frames are lost, memory is rebuilt from the log
                await link.cut()
                rng.choice([node, centre]).crash()
            await asyncio.sleep(0)
        await link.cut()
        link.connect(node.docset, centre.docset)
        await until(lambda: link.peers[0].synced() and link.peers[1].synced())
        await link.cut()
        assert node.content() == centre.content()
        node.crash(), centre.crash()
        assert node.content() == centre.content()  # and it is all in both logs

    asyncio.run(scenario())


def test_an_update_applied_twice_or_before_its_predecessor_changes_nothing(tmp_path):
    node = Side(tmp_path / "node.db", "plant-7")
    updates: list[tuple[int, bytes]] = []
    node.docset.subscribe(lambda shard, update, _source: updates.append((shard, update)))
    wo = node.service.create_work_order(title="pump P-1")
    node.service.assign(wo["id"], "Zhang")
    node.service.progress(wo["id"], percent=50)

    centre = Side(tmp_path / "hub.db", "central")
    for shard, update in [*reversed(updates), *updates]:
        centre.docset.apply_remote(shard, update, source="test")
    assert centre.content() == node.content()
    assert [e["op"] for e in centre.service.work_order(wo["id"])["history"]] == ["created", "assigned", "progress"]


def test_a_log_squashed_while_updates_wait_for_their_predecessors_keeps_them(tmp_path):
    node = Side(tmp_path / "node.db", "plant-7")
    updates: list[tuple[int, bytes]] = []
    node.docset.subscribe(lambda shard, update, _source: updates.append((shard, update)))
    wo = node.service.create_work_order(title="pump P-1")
    for n in range(5):
        node.service.progress(wo["id"], labour_minutes=10, note=f"visit {n}")

    centre = Side(tmp_path / "hub.db", "central")
    first, rest = updates[0], updates[1:]
    for shard, update in rest:  # all of them wait for the create
        centre.docset.apply_remote(shard, update, source="test")
    centre.docset.compact_if_due(threshold=1)
    centre.crash()
    centre.docset.apply_remote(*first, source="test")
    assert centre.content() == node.content()
    assert centre.service.work_order(wo["id"])["fields"]["labour_minutes"] == 50
