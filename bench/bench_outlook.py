"""Benchmark: the outlook tools (forecast_revenue, deals_at_risk, metric_anomalies) on the seeded store and on ten
times its history, SQLite and PostgreSQL.

`python -m bench.bench_outlook [--runs N] [--scales 1,10]` -- seeds temporary stores as `tessera seed --scale N`
does, then calls each tool as the graph calls it (its pydantic arguments, a session, the caller's scope and consent,
the domain, the reply's table and "how it was computed") and prints the median and p90 of repeated runs with the
load average, and the median CPU time of this process (the steadier figure on a loaded machine; PostgreSQL's own
work is not in it). The metric queries' bars (issue 12) are <= 50 ms on SQLite and <= 300 ms on PostgreSQL; the outlook
tools are compared with them. deals_at_risk runs without the deal-score model (none is trained in a fresh store),
as in a store where `tessera models train` has not run. PostgreSQL is skipped with the reason when no server answers
at TESSERA_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from bench.bench_metrics import drop_pg, pg_database, seeded
from crm.actor import Actor
from crm.models import OPEN_STAGES, Activity, Deal, User
from tools.base import ToolContext
from tools.registry import ALL

NOW = dt.datetime(2026, 11, 26, 10)  # the demo's today
BARS = {"sqlite": 50.0, "postgresql": 300.0}  # the metric queries' bars, for comparison
CALLERS = ("admin", "zhao.lei")  # every unit; one region's manager
CALLS = {
    "forecast_revenue": {"quarters": "both", "language": "en"},
    "deals_at_risk": {"limit": 5, "language": "en"},
    "metric_anomalies": {"metric": "complaints", "grain": "month", "language": "en"},  # unusual months of complaints
}
AFTER_A_WRITE = ("deals_at_risk",)  # keeps its ranking while deals, products and activities stand still


def time_tools(store, login: str, runs: int) -> dict[str, list[tuple[float, float]]]:
    """Tool -> (wall ms, this process's CPU ms) per run; "… after a write": each run just after a call was logged on
    an open deal (what the tool keeps while its tables stand still is read again)."""
    with store.session() as s:
        user = s.scalar(select(User).where(User.login == login))
        actor = Actor(user.id, user.login, user.role, user.unit_id)
    ctx = ToolContext(store=store, actor=actor, clock=lambda: NOW)
    out = {}
    for name, args in CALLS.items():
        for after_write in (False, True) if name in AFTER_A_WRITE else (False,):
            tool = ALL[name]
            samples = []
            for _ in range(runs + 1):
                if after_write:
                    log_a_call(store)
                t0, c0 = time.perf_counter(), time.process_time()
                result = tool.invoke(ctx, args)
                samples.append(((time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000))
                assert result["ok"], result
            out[f"{name} after a write" if after_write else name] = samples[1:]  # the first run warms caches
    return out


def log_a_call(store) -> None:
    """Another worker logs a call on an open deal (the activities' counter moves, as after `log_activity`)."""
    with store.session() as s:
        deal = s.scalar(select(Deal).where(Deal.stage.in_(OPEN_STAGES)).order_by(Deal.id).limit(1))
        s.add(Activity(account_id=deal.account_id, deal_id=deal.id, user_id=deal.owner_id, kind="call",
                       subject="bench check-in", occurred_at=NOW))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--scales", default="1,10")
    options = parser.parse_args()
    console = Console(width=150)
    rows, notes = [], []
    with tempfile.TemporaryDirectory(prefix="tessera-bench-outlook-") as tmp:
        for factor in (int(x) for x in options.scales.split(",")):
            backends = [("sqlite", f"sqlite:///{Path(tmp) / f'x{factor}.db'}", None)]
            url, name = pg_database()
            if url:
                backends.append(("postgresql", url, name))
            elif name not in notes:
                notes.append(name)
            for label, url, pg_name in backends:
                store = seeded(url, factor)
                try:
                    for login in CALLERS:
                        for tool, samples in time_tools(store, login, options.runs).items():
                            wall = [w for w, _ in samples]
                            rows.append((label, factor, tool, login, statistics.median(wall),
                                         statistics.quantiles(wall, n=10)[-1],
                                         statistics.median(c for _, c in samples)))
                finally:
                    store.dispose()
                    if pg_name:
                        drop_pg(pg_name)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    table = Table(title=f"outlook tools as the graph calls them · median and p90 of {options.runs} runs · "
                        f"load average at the end {load}")
    for col in ("store", "scale", "tool", "caller", "median ms", "p90 ms", "CPU ms (median)", "metric bar"):
        table.add_column(col)
    for label, factor, tool, login, med, p90, cpu in rows:
        bar = BARS[label]
        table.add_row(label, f"{factor}x", tool, login, f"{med:.1f}", f"{p90:.1f}", f"{cpu:.1f}",
                      f"<= {bar:.0f} {'within' if med <= bar else 'over'}")
    console.print(table)
    for note in notes:
        console.print(f"[yellow]skipped[/]: {note}")


if __name__ == "__main__":
    main()
