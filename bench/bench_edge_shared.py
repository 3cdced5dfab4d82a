"""Benchmark: the edge hub shared by two workers on PostgreSQL. How long from a node's update taken in by worker A
to worker B holding it (LISTEN/NOTIFY, then a fetch by sequence), median and p95, one update at a time and in a
burst. `python -m bench.bench_edge_shared` (TESSERA_BENCH_POSTGRES_URL, default the local test server)."""
from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from edge_agent.field_service import FieldService
from edge_agent.hub import EdgeHub
from edge_agent.persistence import DocSet, UpdateLog
from edge_agent.pg_log import PgUpdateLog
from edge_agent.records import RecordStore
from tessera.scratch_databases import scratch_database

ADMIN_URL = os.environ.get("TESSERA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SINGLES, BURST = 200, 2_000


def pct(samples: list[float], p: float) -> float:
    return sorted(samples)[min(len(samples) - 1, int(len(samples) * p))]


async def measure(url: str, tmp: Path) -> dict:
    a = EdgeHub(tmp / "a", log=PgUpdateLog(url))
    b = EdgeHub(tmp / "b", log=PgUpdateLog(url))
    await a.start(), await b.start()
    await asyncio.gather(a.following.wait(), b.following.wait())
    site_docs = DocSet(UpdateLog(tmp / "site.db", synchronous="NORMAL"))
    site = FieldService(RecordStore(site_docs, "plant-7"))
    room_a = a.room("plant-7")
    sent = {shard: site_docs.state(shard) for shard in range(len(site_docs.docs))}

    def push() -> None:
        for shard, doc in enumerate(site_docs.docs):
            update = doc.get_update(sent[shard])
            sent[shard] = doc.get_state()
            if update not in (b"", b"\x00\x00"):
                room_a.docset.apply_remote(shard, update, source="node")

    async def arrived(count: int) -> None:
        while "plant-7" not in b.rooms or b.rooms["plant-7"].records.count("work_order") < count:
            await asyncio.sleep(0.0005)

    singles = []
    try:
        for n in range(SINGLES):
            site.create_work_order(title=f"job {n}")
            start = time.perf_counter()
            push()
            await arrived(n + 1)
            singles.append(time.perf_counter() - start)
        for n in range(BURST):
            site.create_work_order(title=f"burst {n}")
        start = time.perf_counter()
        push()
        await arrived(SINGLES + BURST)
        burst = time.perf_counter() - start
    finally:
        await a.stop(), await b.stop()
    return {"singles": singles, "burst": burst}


def main() -> None:
    load = os.getloadavg()[0]
    with scratch_database("bench_edge", ADMIN_URL) as url:
        result = asyncio.run(measure(url, Path(tempfile.mkdtemp(prefix="bench-edge-shared-"))))
    singles = result["singles"]
    table = Table(title=f"Edge hub shared by two workers on PostgreSQL; 2 CPUs, load average {load:.1f} before the run")
    for column in ("measure", "result"):
        table.add_column(column)
    table.add_row(f"one update, worker A → worker B ({SINGLES} in turn), median / p95",
                  f"{statistics.median(singles) * 1000:.1f} / {pct(singles, 0.95) * 1000:.1f} ms")
    table.add_row(f"{BURST:,} work orders in one sync, A → all at B", f"{result['burst']:.2f} s")
    Console().print(table)


if __name__ == "__main__":
    main()
