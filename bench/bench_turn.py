"""Benchmark: a whole chat turn on the offline model (supervisor, model, tool, model) and the model call alone."""
from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from rich.console import Console
from rich.table import Table

from tessera.cli_kit import track
from tessera.runtime import Tessera
from tessera.settings import Settings

MESSAGES = [
    ("li.wei", "show me the deals of Acme Robotics"),
    ("li.wei", "看一下北辰医疗器械的商机"),
    ("li.wei", "give me an overview of Acme Robotics"),
    ("li.wei", "log a call with Acme Robotics about the renewal"),
    ("zhao.lei", "what is the win rate by region"),
    ("zhao.lei", "上季度各区域的赢单率"),
    ("wang.fang", "谈判阶段的商机有哪些"),
    ("james.liu", "who are the contacts at Initech Retail"),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def time_model_call(n: int) -> list[float]:
    """One completion through LiteLLM with the sales toolset, as the sales agent makes it."""
    import litellm

    from tools.registry import toolset
    from tools.schema import openai_tool

    tools = [openai_tool(t) for t in toolset("sales")]
    messages = [{"role": "user", "content": "show me the deals of Acme Robotics in negotiation"}]
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        litellm.completion(model="tessera/offline", messages=messages, tools=tools)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main(rounds: int = 10) -> None:
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        started = time.perf_counter()
        tessera = Tessera(settings, clock=lambda: dt.datetime(2026, 11, 26, 10))
        setup_s = time.perf_counter() - started
        for login, message in MESSAGES:  # warm-up: embeds the tools' examples once
            tessera.chat(login, "warm", message)
        turns: list[float] = []
        jobs = [(r, login, message) for r in range(rounds) for login, message in MESSAGES]
        for r, login, message in track(jobs, "chat turns"):  # the bar goes to stderr; the table to stdout
            t0 = time.perf_counter()
            tessera.chat(login, f"bench-{r}", message)
            turns.append((time.perf_counter() - t0) * 1000)
        model_ms = time_model_call(rounds * 5)
        tessera.close()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    table = Table(title=f"Chat turn on tessera/offline ({len(turns)} turns, {os.cpu_count()} cores, load {load})")
    for col in ("measure", "value"):
        table.add_column(col)
    table.add_row("first start (migrate, seed, load)", f"{setup_s:.2f} s")
    table.add_row("turn latency median", f"{statistics.median(turns):.1f} ms")
    table.add_row("turn latency p90", f"{percentile(turns, 0.9):.1f} ms")
    table.add_row("turn latency max", f"{max(turns):.1f} ms")
    table.add_row("offline model call alone, median", f"{statistics.median(model_ms):.1f} ms")
    Console().print(table)


if __name__ == "__main__":
    main()
