"""Benchmark: one thread of 100 turns on the offline model: checkpoint writes per turn, bytes stored per turn,
and how much slower turn 100 is than turn 1. Usage: python -m bench.bench_checkpoints [--turns N]."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from tessera.runtime import Tessera  # noqa: E402
from tessera.settings import Settings  # noqa: E402

# A rep's working thread: questions and writes, repeating (the same words, so embedding is memoised).
CYCLE = ["show me the deals of Acme Robotics", "log a call with Acme Robotics about the renewal",
         "give me an overview of Acme Robotics", "who are the contacts at Initech Retail",
         "看一下北辰医疗器械的商机"]


def stored_bytes(path: Path) -> int:
    conn = sqlite3.connect(str(path))
    try:
        checkpoints = conn.execute("SELECT COALESCE(SUM(LENGTH(checkpoint) + LENGTH(metadata)), 0) "
                                   "FROM checkpoints").fetchone()[0]
        writes = conn.execute("SELECT COALESCE(SUM(LENGTH(value)), 0) FROM writes").fetchone()[0]
    finally:
        conn.close()
    return checkpoints + writes


def count_writes(saver) -> list[int]:
    """Counts the commits the saver makes (each `put` and `put_writes` is one transaction)."""
    counter = [0]
    for name in ("put", "put_writes"):
        original = getattr(saver, name)

        def counted(*args, _original=original, **kwargs):
            counter[0] += 1
            return _original(*args, **kwargs)

        setattr(saver, name, counted)
    return counter


def run(turns: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="tessera-bench-ckpt-") as tmp:
        tessera = Tessera(Settings(data_dir=Path(tmp)), clock=lambda: dt.datetime(2026, 11, 26, 10))
        for message in CYCLE:  # warm-up on another thread: embeds the tools' examples once
            tessera.chat("li.wei", "warm", message)
        path = Path(tessera.settings.checkpoints_url)
        counter = count_writes(getattr(tessera.checkpointer, "inner", tessera.checkpointer))
        before_bytes, times, cpus, writes, sizes = stored_bytes(path), [], [], [], []
        window = tessera.settings.limits.history_turns
        for i in range(turns):
            counted, start_bytes = counter[0], stored_bytes(path)
            t0, c0 = time.perf_counter(), time.process_time()
            tessera.chat("li.wei", "long", CYCLE[i % len(CYCLE)])
            times.append((time.perf_counter() - t0) * 1000)
            cpus.append((time.process_time() - c0) * 1000)
            writes.append(counter[0] - counted)
            sizes.append(stored_bytes(path) - start_bytes)
        total = stored_bytes(path) - before_bytes
        tessera.close()
    ends = len(CYCLE) * 2  # whole cycles, so both ends ask alike
    return {"turns": turns, "writes": statistics.mean(writes), "writes_max": max(writes), "total": total,
            "window": window, "first_bytes": statistics.mean(sizes[:len(CYCLE)]),
            "filled_bytes": statistics.mean(sizes[window:window + len(CYCLE)]),
            "last_bytes": statistics.mean(sizes[-len(CYCLE):]),
            "middle_bytes": statistics.mean(sizes[turns // 2 - len(CYCLE):turns // 2]),
            "first_ms": statistics.median(times[:ends]), "last_ms": statistics.median(times[-ends:]),
            "first_cpu": statistics.median(cpus[:ends]), "last_cpu": statistics.median(cpus[-ends:])}


def main(turns: int = 100) -> None:
    r = run(turns)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    table = Table(title=f"One thread of {turns} turns, SQLite checkpoints ({os.cpu_count()} cores, load {load})")
    for col in ("measure", "value", "target"):
        table.add_column(col)
    table.add_row("checkpoint writes per turn (mean / max)", f"{r['writes']:.2f} / {r['writes_max']}", "≤ 2")
    table.add_row("checkpoint bytes, whole thread", f"{r['total'] / 1e6:.2f} MB", "")
    table.add_row("bytes per turn, first 5 turns (the window filling)", f"{r['first_bytes'] / 1e3:.1f} KB", "")
    table.add_row(f"bytes per turn, turns {r['window'] + 1}-{r['window'] + 5} (window of {r['window']} turns full)",
                  f"{r['filled_bytes'] / 1e3:.1f} KB", "")
    table.add_row(f"bytes per turn, turns {turns // 2 - 4}-{turns // 2}", f"{r['middle_bytes'] / 1e3:.1f} KB", "")
    table.add_row(f"bytes per turn, last 5 turns", f"{r['last_bytes'] / 1e3:.1f} KB", "≈ the middle 5")
    table.add_row("turn time, first 10 turns, median (wall / CPU)", f"{r['first_ms']:.1f} / {r['first_cpu']:.1f} ms", "")
    table.add_row("turn time, last 10 turns, median (wall / CPU)", f"{r['last_ms']:.1f} / {r['last_cpu']:.1f} ms", "")
    table.add_row("last ÷ first (wall / CPU)", f"{r['last_ms'] / r['first_ms']:.2f}× / {r['last_cpu'] / r['first_cpu']:.2f}×",
                  "≤ 1.2×")
    Console().print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=100)
    main(parser.parse_args().turns)
