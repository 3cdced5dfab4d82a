"""Benchmark: contract decisions (facts, engine, booking, stored decision) on a seeded store, one at a time and from
several threads at once: decisions per second and median / p99 latency. SQLite always; PostgreSQL too when
TESSERA_BENCH_POSTGRES_URL names a server where databases may be created."""
from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from crm.actor import Actor
from crm.autonomy.catalog import clone_template
from crm.autonomy.decisions import request_decision
from crm.autonomy.seed import UNIT_TEMPLATES, seed_autonomy
from crm.models import OPEN_STAGES, Deal, SalesUnit, User
from crm.seed import seed_demo
from crm.store import Store
from tessera.cli_kit import track
from tessera.migrate import migrate
from tessera.scratch_databases import scratch_database

NOW = dt.datetime(2026, 11, 26, 10)
PERCENTS = (2, 3, 4, 5, 6, 8, 12, 18)
THREADS = 8


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def prepare(store: Store) -> list[tuple[Actor, int]]:
    """Seed, give every unit a budget big enough never to run dry, and list (rep, open deal) pairs."""
    migrate(store)
    with store.session() as s:
        seed_demo(s)
        seed_autonomy(s)
        admin = s.scalar(select(User).where(User.login == "admin"))
        root = Actor(user_id=admin.id, login=admin.login, role=admin.role)
        pairs = []
        for unit in s.scalars(select(SalesUnit).order_by(SalesUnit.code)):
            clone_template(s, unit.code, UNIT_TEMPLATES[unit.code], {"discount_budget": 10**9}, root)
            rep = s.scalar(select(User).where(User.unit_id == unit.id, User.role == "rep").order_by(User.id))
            actor = Actor(user_id=rep.id, login=rep.login, role=rep.role, unit_id=unit.id)
            deals = s.scalars(select(Deal.id).where(Deal.unit_id == unit.id, Deal.stage.in_(OPEN_STAGES)))
            pairs += [(actor, d) for d in deals]
    return pairs


def decide_once(store: Store, actor: Actor, deal_id: int, i: int) -> tuple[float, str]:
    t0 = time.perf_counter()
    view = request_decision(store, actor, kind="discount", deal=f"D-{deal_id}", percent=PERCENTS[i % len(PERCENTS)],
                            reason="rival offer", promised_on=NOW.date() + dt.timedelta(days=120), now=NOW,
                            key=f"bench-{i}")
    return (time.perf_counter() - t0) * 1000, view["outcome"]


def main(rounds: int = 2) -> None:
    run("SQLite", lambda tmp: f"sqlite:///{Path(tmp) / 'tessera.db'}", rounds)
    admin_url = os.environ.get("TESSERA_BENCH_POSTGRES_URL")  # e.g. postgresql://postgres@127.0.0.1:5432/test
    if admin_url:
        with scratch_database("tessera_bench", admin_url) as url:
            run("PostgreSQL", lambda tmp: url, rounds)


def run(engine: str, url_for, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="tessera-bench-units-") as tmp:
        store = Store(url_for(tmp))
        pairs = prepare(store)
        jobs = [(a, d, i) for i, (a, d) in enumerate(pairs * rounds)]
        for a, d, i in jobs[:20]:  # warm-up: contract parsing cache, connections
            decide_once(store, a, d, 10**6 + i)
        started = time.perf_counter()
        serial = [decide_once(store, a, d, i) for a, d, i in track(jobs, f"{engine}: decisions one at a time")]
        serial_s = time.perf_counter() - started
        offset = len(jobs)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            threaded = list(pool.map(lambda j: decide_once(store, j[0], j[1], offset + j[2]), jobs))
        threaded_s = time.perf_counter() - started
        store.dispose()
    outcomes = Counter(o for _, o in serial)
    table = Table(title=f"Contract decisions on {engine} ({len(jobs)} requests per run, {os.cpu_count()} cores)")
    for col in ("run", "decisions/s", "median ms", "p99 ms", "max ms"):
        table.add_column(col)
    for label, runs, seconds in (("one at a time", serial, serial_s), (f"{THREADS} threads", threaded, threaded_s)):
        ms = [m for m, _ in runs]
        table.add_row(label, f"{len(runs) / seconds:,.0f}", f"{statistics.median(ms):.2f}",
                      f"{percentile(ms, 0.99):.2f}", f"{max(ms):.2f}")
    Console().print(table)
    print("outcomes (one at a time):", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))


if __name__ == "__main__":
    main()
