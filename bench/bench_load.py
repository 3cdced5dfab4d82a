"""Load test: real servers (`tessera serve`) under concurrent chat turns from several reps, each turn on its own
thread, with messages never seen before from a generated pool; a third of them log a call (they write). Prints
turns/s, p50/p95/p99 and the count of 5xx answers at each concurrency, on SQLite with one worker and on PostgreSQL
with one and two workers. Usage: python -m bench.bench_load [--turns N] [--levels 1,4,16] [--no-postgres]."""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from tests.server_support import free_port, wait_until_healthy

POSTGRES = os.environ.get("TESSERA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
ASK = ["show me the deals of {a} {w}", "give me an overview of {a} {w}", "who are the contacts at {a} {w}",
       "看一下{a}的商机 {w}", "{a}的联系人有哪些 {w}"]
WRITE = ["log a call with {a} about {w}", "记录一次和{a}的电话，{w}"]
WORDS = ["the renewal", "the pilot rollout", "pricing", "the delivery plan", "续约", "交付计划", "the spare parts",
         "the training", "the warranty", "付款条件"]
REPS = ["li.wei", "emma.chen", "wang.fang", "james.liu"]


def pool(store, size: int, seed: int = 14) -> list[tuple[str, str]]:
    """(login, message) pairs never repeated: accounts of each rep's unit, a topic, a serial number."""
    from crm.models import Account, User

    rng, out = random.Random(seed), []
    with store.session() as s:
        units = {u.login: u.unit_id for u in s.scalars(select(User).where(User.login.in_(REPS)))}
        names = {login: list(s.scalars(select(Account.name).where(Account.unit_id == unit)))
                 for login, unit in units.items()}
    logins = [login for login in REPS if names.get(login)]
    for i in range(size):
        login = logins[i % len(logins)]
        template = rng.choice(WRITE if i % 3 == 0 else ASK)
        out.append((login, template.format(a=rng.choice(names[login]), w=rng.choice(WORDS)) + f" (#{i})"))
    return out


@contextmanager
def server(env: dict, workers: int):
    import subprocess

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tessera.cli", "serve", "--port", str(port), "--workers",
                             str(workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(proc, base, 300, poll=0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=60)


async def load(base: str, tokens: dict, jobs: list[tuple[str, str]], concurrency: int) -> dict:
    gate, latencies, statuses = asyncio.Semaphore(concurrency), [], []
    async with httpx.AsyncClient(base_url=base, timeout=300, limits=httpx.Limits(max_connections=concurrency)) as c:
        async def turn(login: str, message: str) -> None:
            async with gate:
                t0 = time.perf_counter()
                r = await c.post("/v1/chat", json={"thread": uuid.uuid4().hex[:12], "message": message},
                                 headers={"Authorization": f"Bearer {tokens[login]}"})
                latencies.append((time.perf_counter() - t0) * 1000)
                statuses.append(r.status_code)

        started = time.perf_counter()
        await asyncio.gather(*(turn(login, message) for login, message in jobs))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    return {"rate": len(jobs) / elapsed, "p50": statistics.median(ordered), "p95": pct(0.95), "p99": pct(0.99),
            "5xx": sum(s >= 500 for s in statuses), "other": sum(400 <= s < 500 for s in statuses)}


def prepare(settings) -> tuple[dict, list]:
    from channels.auth import issue_token
    from tessera.runtime import Tessera

    tessera = Tessera(settings)
    with tessera.store.session() as s:
        tokens = {login: issue_token(s, login) for login in REPS}
    jobs = pool(tessera.store, 4000)
    tessera.close()
    return tokens, jobs


def main(turns: int = 48, levels: tuple[int, ...] = (1, 4, 16), postgres: bool = True) -> None:
    from tessera.settings import Settings

    rows, admin, made = [], None, None
    with tempfile.TemporaryDirectory(prefix="tessera-bench-load-") as tmp:
        setups = [("SQLite", 1, {"TESSERA_DATA_DIR": str(Path(tmp) / "sqlite")})]
        if postgres:
            try:
                import psycopg

                admin = psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3)
                made = f"tessera_bench_{uuid.uuid4().hex[:8]}"
                admin.execute(f'CREATE DATABASE "{made}"')
                url = f"{POSTGRES.rsplit('/', 1)[0]}/{made}"
                pg = {"TESSERA_DATA_DIR": str(Path(tmp) / "pg"), "TESSERA_DATABASE_URL": url}
                setups += [("PostgreSQL", 1, pg), ("PostgreSQL", 2, pg)]
            except Exception as exc:  # noqa: BLE001 - the table says why PostgreSQL is missing
                print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        try:
            offset = 0
            prepared = {}
            for engine, workers, extra in setups:
                env = {**os.environ, "OMP_NUM_THREADS": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True", **extra}
                key = extra["TESSERA_DATA_DIR"]
                if key not in prepared:
                    prepared[key] = prepare(Settings(data_dir=Path(key),
                                                     database_url=extra.get("TESSERA_DATABASE_URL", "")))
                tokens, jobs = prepared[key]
                with server(env, workers) as base:
                    asyncio.run(load(base, tokens, jobs[offset:offset + 8], 4))  # warm-up: each worker's first turns
                    offset += 8
                    for c in levels:
                        n = max(turns, c * 3)
                        r = asyncio.run(load(base, tokens, jobs[offset:offset + n], c))
                        offset += n
                        rows.append((engine, workers, c, n, r))
        finally:
            if made:
                admin.execute(f'DROP DATABASE "{made}" WITH (FORCE)')
                admin.close()
    load_avg = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    table = Table(title=f"Chat turns over HTTP, never-seen messages, 1 in 3 writes ({os.cpu_count()} cores, "
                        f"load {load_avg})")
    for col in ("store", "workers", "concurrency", "turns", "turns/s", "p50", "p95", "p99", "5xx", "4xx"):
        table.add_column(col)
    for engine, workers, c, n, r in rows:
        table.add_row(engine, str(workers), str(c), str(n), f"{r['rate']:.1f}", f"{r['p50']:.0f} ms",
                      f"{r['p95']:.0f} ms", f"{r['p99']:.0f} ms", str(r["5xx"]), str(r["other"]))
    Console(width=150).print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=48)
    parser.add_argument("--levels", default="1,4,16")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    main(args.turns, tuple(int(x) for x in args.levels.split(",")), not args.no_postgres)
