"""The edge node: its own store (an update log under shard documents), sync with the centre, and capabilities.

Everything works with the link down; sync catches up when it returns. Capability checks (weight, scan, route)
run in a worker thread; a failed check is recorded with the record, never a reason to stop the node.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from edge_agent.field_service import FieldService
from edge_agent.persistence import DocSet, UpdateLog
from edge_agent.records import KINDS, RecordStore
from edge_agent.sync import SyncClient
from edge_agent.wasm.registry import CapabilityRegistry, default_registry
from edge_agent.wasm.runtime import CapabilityFailed

log = logging.getLogger("edge_agent.node")


class EdgeNode:
    def __init__(self, node_id: str, data_dir: Path, central_url: str | None = None, *, credential: str = "",
                 registry: CapabilityRegistry | None = None, synchronous: str = "FULL", compact_every_s: float = 10.0,
                 max_backoff_s: float = 5.0):
        self.node_id = node_id
        self.log = UpdateLog(Path(data_dir) / "node.db", synchronous=synchronous)
        self.docset = DocSet(self.log, group_commit=True)
        self.records = RecordStore(self.docset, node_id)
        self.service = FieldService(self.records)
        self.capabilities = registry if registry is not None else default_registry()
        self.sync = (SyncClient(self.docset, f"{central_url.rstrip('/')}/{node_id}", credential=credential,
                                max_backoff=max_backoff_s)
                     if central_url else None)
        self.compact_every_s = compact_every_s
        self._tasks: list[asyncio.Task] = []
        self._commit: asyncio.Future | None = None

    async def start(self) -> None:
        if self.sync is not None:
            self._tasks.append(asyncio.create_task(self.sync.run()))
        self._tasks.append(asyncio.create_task(self._compact_loop()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self.docset.flush()
        self.log.close()

    async def durable(self) -> None:
        """Return once every change made so far is in the log. Requests that finish together share one commit
        (one fsync); answer a client, or show it data, only after this."""
        self.docset.check_durable()
        if not self.docset.pending:
            return
        if self._commit is None or self._commit.done():
            self._commit = asyncio.ensure_future(self._group_commit())
        await asyncio.shield(self._commit)

    async def _group_commit(self) -> None:
        await asyncio.sleep(0)  # let the requests already running in this turn of the loop stage theirs
        self.docset.flush()

    @contextlib.asynccontextmanager
    async def lifespan(self, _app=None):
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    # -- capabilities ---------------------------------------------------------------------------------------
    async def run_capability(self, name: str, payload: dict) -> dict:
        """Run a wasm capability off the event loop; raises `CapabilityFailed` with a report."""
        return await asyncio.to_thread(self.capabilities.run, name, payload)

    async def check(self, name: str, payload: dict) -> dict:
        """A capability's verdict to keep with a record: its result, or the failure report."""
        try:
            return {"capability": name, **await self.run_capability(name, payload)}
        except CapabilityFailed as failure:
            log.warning("%s", failure)
            return {"capability": name, "ok": None, "failed": failure.report()}

    # -- operations that use capabilities -------------------------------------------------------------------
    async def record_inventory_move(self, *, part: str, quantity: int, from_location: str, to_location: str,
                                    work_order_id: str | None = None, weighing: dict | None = None,
                                    record_id: str | None = None) -> dict:
        verdict = await self.check("weight_check", weighing) if weighing else None
        return self.service.record_inventory_move(part=part, quantity=quantity, from_location=from_location,
                                                  to_location=to_location, work_order_id=work_order_id,
                                                  weight_check=verdict, record_id=record_id)

    async def dispatch(self, *, technician: str, work_order_ids: list[str], stops: list[list[int]] | None = None,
                       record_id: str | None = None) -> dict:
        route = await self.check("route", {"points": stops}) if stops and len(stops) > 1 else None
        return self.service.dispatch(technician=technician, work_order_ids=work_order_ids, stops=stops,
                                     route=route, record_id=record_id)

    async def record_scan(self, *, code: str, source: str = "barcode", confidence: int | None = None,
                          min_confidence: int | None = None, work_order_id: str | None = None,
                          record_id: str | None = None) -> dict:
        payload: dict = {"code": code}
        if confidence is not None:
            payload |= {"confidence": confidence, "min_confidence": min_confidence or 0}
        verdict = await self.check("scan_check", payload)
        return self.service.record_scan(code=code, source=source, work_order_id=work_order_id, check=verdict, record_id=record_id)

    # -- status ---------------------------------------------------------------------------------------------
    def status(self) -> dict:
        return {
            "node_id": self.node_id,
            "records": {kind: self.records.count(kind) for kind in KINDS},
            "sync": self.sync.status() if self.sync else {"central": None, "connected": False, "synced": False},
            "durable": self.docset.write_error is None,
            "capabilities": self.capabilities.describe(),
            "capability_failures": self.capabilities.failures[-10:],
        }

    async def _compact_loop(self) -> None:
        while True:
            await asyncio.sleep(self.compact_every_s)
            await self.durable()
            self.docset.compact_if_due()
