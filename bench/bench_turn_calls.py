"""Benchmark the load does not move: Python function calls per chat turn (cProfile of one `chat` per message of
bench_turn's list, repeated and never seen), and where a never-seen message spends its time.
Usage: python -m bench.bench_turn_calls [--top N]."""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import statistics
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from bench.bench_turn import MESSAGES  # noqa: E402
from tessera.runtime import Tessera  # noqa: E402
from tessera.settings import Settings  # noqa: E402

NEVER_SEEN = [("li.wei", "show me the deals of Acme Robotics before the quarterly review #{n}"),
              ("li.wei", "看一下北辰医疗器械的商机，尽快 #{n}"),
              ("li.wei", "who are the contacts at Acme Robotics for my notes #{n}")]


def profiled(fn) -> pstats.Stats:
    profile = cProfile.Profile()
    profile.runcall(fn)
    return pstats.Stats(profile)


def calls(stats: pstats.Stats) -> int:
    return stats.total_calls  # type: ignore[attr-defined]


def main(top: int = 0) -> None:
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as tmp:
        tessera = Tessera(Settings(data_dir=Path(tmp)), clock=lambda: dt.datetime(2026, 11, 26, 10))
        for login, message in MESSAGES:  # warm-up: the tools' examples embedded, the message memoised
            tessera.chat(login, "warm", message)
        repeated = [(message, calls(profiled(lambda: tessera.chat(login, "calls", message))))
                    for login, message in MESSAGES]
        unseen, merged = [], None
        for n, (login, template) in enumerate(NEVER_SEEN * 2):
            stats = profiled(lambda: tessera.chat(login, f"novel-{n}", template.format(n=n)))
            unseen.append((template.format(n=n), calls(stats)))
            merged = stats if merged is None else merged.add(stats)
        tessera.close()

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    table = Table(title=f"Python calls per chat turn (cProfile, load {load})")
    table.add_column("message")
    table.add_column("calls", justify="right")
    for message, n in repeated:
        table.add_row(message, f"{n:,}")
    table.add_row("[b]repeated, median[/b]", f"{statistics.median(n for _, n in repeated):,.0f}")
    for message, n in unseen:
        table.add_row(f"never seen: {message}", f"{n:,}")
    table.add_row("[b]never seen, median[/b]", f"{statistics.median(n for _, n in unseen):,.0f}")
    Console().print(table)
    if top and merged is not None:
        merged.sort_stats("cumulative").print_stats(top)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--top", type=int, default=0, help="also print the never-seen turns' top N by cumulative time")
    main(parser.parse_args().top)
