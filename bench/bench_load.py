"""Load test: real servers (`tessera serve`) under concurrent chat turns from several reps, each turn on its own
thread, with messages never seen before from a generated pool; a third of them log a call (they write). Prints
turns/s, p50/p95/p99 and the count of 5xx answers at each concurrency, on SQLite with one worker and on PostgreSQL
with one and two workers, beside the floor: the same LangGraph graph in-process with a fake model replaying the offline
model's replies, one turn at a time. CPU per turn is counted for the server's processes, for PostgreSQL's (every
`postgres` process on the machine) and for this load generator, which shares the cores with them: throughput on N
cores is at most N seconds of CPU a second divided by the CPU a turn takes in all three. Each worker is warmed up
and the server left to settle (its background start-up done) before the rows are measured.
Usage: python -m bench.bench_load [--turns N] [--levels 1,4,16] [--no-postgres] [--setups sqlite,pg1,pg2]."""
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

from tessera.scratch_databases import scratch_database
from tests.server_support import free_port, wait_until_healthy

TICK = os.sysconf("SC_CLK_TCK")
ASK = ["show me the deals of {a} {w}", "give me an overview of {a} {w}", "who are the contacts at {a} {w}",
       "看一下{a}的商机 {w}", "{a}的联系人有哪些 {w}"]
WRITE = ["log a call with {a} about {w}", "记录一次和{a}的电话，{w}"]
WORDS = ["the renewal", "the pilot rollout", "pricing", "the delivery plan", "续约", "交付计划", "the spare parts",
         "the training", "the warranty", "付款条件", "the invoice", "the site visit", "the upgrade", "the contract terms",
         "the onboarding", "报价", "验收", "the quarterly review", "the support plan", "培训安排"]
REPS = ["li.wei", "emma.chen", "wang.fang", "james.liu"]


def pool(store, size: int, seed: int = 14) -> list[tuple[str, str]]:
    """(login, message) pairs, none twice: a template, an account of the rep's unit and a topic, no serial number."""
    from bench.bench_turn import novel_messages
    from crm.models import Account, User

    rng, out = random.Random(seed), []
    with store.session() as s:
        units = {u.login: u.unit_id for u in s.scalars(select(User).where(User.login.in_(REPS)))}
        names = {login: list(s.scalars(select(Account.name).where(Account.unit_id == unit)))
                 for login, unit in units.items()}
    logins = [login for login in REPS if names.get(login)]
    seen: set[str] = set()
    for i in range(size):  # each request drawn anew, none twice (bench_turn.novel_messages)
        login = logins[i % len(logins)]
        [text] = novel_messages(rng, names[login], 1, seen, WRITE if i % 3 == 0 else ASK, WORDS)
        out.append((login, text))
    return out


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU each living process has used so far."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14 and 15 of stat)
    return found


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two readings by the processes living at the second (a new one counts whole; one that
    ended meanwhile, such as a closed PostgreSQL backend, loses its last part)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def processes() -> dict[int, tuple[int, str]]:
    """Every process: pid → (parent pid, command name)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            name = text[text.index("(") + 1:text.rindex(")")]
            found[int(entry.name)] = (int(text.rsplit(")", 1)[1].split()[1]), name)
    return found


def tree(root: int) -> list[int]:
    """`root` and all its descendants (a server's workers)."""
    table, out, frontier = processes(), [root], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in table.items() if ppid == parent]
        out += children
        frontier += children
    return out


def postgres_pids() -> list[int]:
    return [pid for pid, (_, name) in processes().items() if name == "postgres"]


def sessions_opened(database_url: str) -> int:
    """Connections PostgreSQL has accepted to this database so far (pg_stat_database.sessions; a backend reports
    its own within about a second, or when it ends)."""
    from tessera.scratch_databases import admin_connection

    time.sleep(1.1)
    with admin_connection() as admin:
        return admin.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s",
                             (database_url.rsplit("/", 1)[1],)).fetchone()[0]


class CpuMeter:
    """CPU seconds spent by the server's processes, PostgreSQL's and this process between `start` and `stop`, and
    the connections opened to PostgreSQL meanwhile (each one forks a backend: CPU that a backend which ended
    takes out of the PostgreSQL column)."""

    def __init__(self, server_pid: int, database_url: str = ""):
        self.server_pid, self.database_url = server_pid, database_url

    def start(self) -> None:
        self.sessions = sessions_opened(self.database_url) if self.database_url else None
        self.before = (cpu_seconds(tree(self.server_pid)), cpu_seconds(postgres_pids()), time.process_time())

    def stop(self, turns: int) -> dict:
        server, pg, client = self.before
        now = cpu_seconds(tree(self.server_pid))
        each = [cpu - server.get(pid, 0.0) for pid, cpu in now.items()]
        server = spent(server, now)
        pg = spent(pg, cpu_seconds(postgres_pids()))
        client = time.process_time() - client
        opened = (sessions_opened(self.database_url) - self.sessions) / turns if self.database_url else None
        return {"cpu_server": server * 1000 / turns, "cpu_pg": pg * 1000 / turns, "cpu_client": client * 1000 / turns,
                "pg_sessions": opened, "busiest": max(each) / server if server else 0.0}


@contextmanager
def server(env: dict, workers: int):
    import subprocess

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tessera.cli", "serve", "--port", str(port), "--workers",
                             str(workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(proc, base, 300, poll=0.2)
        yield base, proc.pid
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
    return {**spread(latencies, elapsed), "5xx": sum(s >= 500 for s in statuses),
            "other": sum(400 <= s < 500 for s in statuses)}


async def warm_every_worker(base: str, tokens: dict, jobs: list[tuple[str, str]], workers: int,
                            per_worker: int) -> tuple[list[dict], int]:
    """Sends `per_worker` turns to each worker before anything is measured, so no measured row pays a worker's first
    uses (the E5 model loads at the first embedding). A connection stays with the worker that accepted it, and
    /ready names that worker's process id: connections are opened until each worker has had one. Returns each
    worker's first turn (its wall and its CPU time: the cold start a new worker really pays) and the jobs used."""
    served, cold, used, deadline = set(), [], 0, time.monotonic() + 300
    while len(served) < workers and time.monotonic() < deadline:
        async with httpx.AsyncClient(base_url=base, timeout=300, limits=httpx.Limits(max_connections=1)) as c:
            ready = await c.get("/ready")
            pid = ready.json().get("worker") if ready.status_code == 200 else None
            if pid is None or pid in served:
                await asyncio.sleep(0.05 if pid else 0.5)  # a worker still starting answers 503
                continue
            served.add(pid)
            for i, (login, message) in enumerate(jobs[used:used + per_worker]):
                before, t0 = cpu_seconds([pid]).get(pid, 0.0), time.perf_counter()
                r = await c.post("/v1/chat", json={"thread": uuid.uuid4().hex[:12], "message": message},
                                 headers={"Authorization": f"Bearer {tokens[login]}"})
                if i == 0:
                    cold.append({"worker": pid, "status": r.status_code, "wall": (time.perf_counter() - t0) * 1000,
                                 "cpu": (cpu_seconds([pid]).get(pid, 0.0) - before) * 1000})
            used += per_worker
    if len(served) < workers:
        raise RuntimeError(f"only {len(served)} of {workers} workers took a connection during the warm-up")
    return cold, used


def settle(server_pid: int, quiet: float = 0.05, longest: float = 120.0) -> tuple[float, float]:
    """Waits until the server's processes use less than `quiet` of a core over a second (at most `longest` s): each
    worker's start-up work in the background (vector memory opened and its first catch-up, the notes the warm-up
    logged indexed) ends before a row is measured, not inside the first rows. Returns the seconds waited and the
    CPU seconds the server spent meanwhile."""
    started, before = time.monotonic(), sum(cpu_seconds(tree(server_pid)).values())
    last = before
    while time.monotonic() - started < longest:
        time.sleep(1.0)
        now = sum(cpu_seconds(tree(server_pid)).values())
        if now - last < quiet:
            break
        last = now
    return time.monotonic() - started, last - before


def spread(latencies: list[float], elapsed: float) -> dict:
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    return {"rate": len(ordered) / elapsed, "p50": statistics.median(ordered), "p95": pct(0.95), "p99": pct(0.99)}


def floor(data_dir: Path, jobs: list[tuple[str, str]]) -> dict:
    """The same graph with a fake model replaying the offline model's replies to these messages, the same tools and
    a SQLite checkpointer, invoked bare in this process one turn at a time (bench/bench_turn.py's floor)."""
    from langchain_core.messages import AIMessage, HumanMessage

    from agents.graph import build_graph
    from bench.bench_turn import Replay
    from memory.checkpoints import open_checkpointer
    from tessera.runtime import Tessera
    from tessera.settings import Settings

    tessera = Tessera(Settings(data_dir=data_dir), seed=False)
    book = {}
    for i, (login, message) in enumerate(jobs):  # the offline model's replies, recorded through Tessera
        result = tessera.chat(login, f"floor-record-{i}", message)
        values = tessera.graph.get_state(tessera.config(tessera.actor(login), f"floor-record-{i}")).values
        start = max(i for i, m in enumerate(values["messages"]) if isinstance(m, HumanMessage))
        book[message] = (result.agent, [m for m in values["messages"][start:] if isinstance(m, AIMessage)])
    saver, close = open_checkpointer(str(data_dir / "floor.db"))
    graph = build_graph(lambda agent: Replay(agent=agent, book=book), tessera._tool_context, saver)
    configs = [tessera.config(tessera.actor(login), f"floor-{i}") for i, (login, _) in enumerate(jobs)]
    latencies, cpu, started = [], time.process_time(), time.perf_counter()
    for (login, message), config in zip(jobs, configs):
        t0 = time.perf_counter()
        graph.invoke({"messages": [HumanMessage(message)]}, config)
        latencies.append((time.perf_counter() - t0) * 1000)
    elapsed, cpu = time.perf_counter() - started, (time.process_time() - cpu) * 1000 / len(jobs)
    close()
    tessera.close()
    return {**spread(latencies, elapsed), "5xx": 0, "other": 0, "cpu_server": cpu, "cpu_pg": 0.0, "cpu_client": 0.0,
            "pg_sessions": None}


def prepare(settings) -> tuple[dict, list]:
    from channels.auth import issue_token
    from tessera.runtime import Tessera

    tessera = Tessera(settings)
    tessera.notes.catch_up()  # the seeded notes into vector memory now, not by a server while it is measured
    tessera.deal_scores.model()  # the deal scores trained and saved, as `tessera serve --workers N` does first
    with tessera.store.session() as s:
        tokens = {login: issue_token(s, login) for login in REPS}
    jobs = pool(tessera.store, 4000)
    tessera.close()
    return tokens, jobs


def scaling_rows(rows: list, cores: int) -> list[dict]:
    """Two PostgreSQL workers against one at each concurrency both ran. The target is 0.8 × 2 × one worker's
    turns/s, capped at 0.8 × what the cores allow at one worker's CPU a turn (server, PostgreSQL and the load
    generator on the same cores; one worker's, so that two workers spending more a turn do not lower their own bar):
    one worker whose native code (E5, psycopg) runs beside its Python thread already uses more than one core, so on
    two cores twice its rate may not exist to be reached."""
    by = {(engine, workers, c): r for engine, workers, c, _n, r in rows}
    out = []
    for (engine, workers, c), two in by.items():
        one = by.get(("PostgreSQL", "1", c))
        if engine != "PostgreSQL" or workers != "2" or one is None or c < 2:  # one turn in flight uses one worker
            continue
        spent = one["cpu_server"] + one["cpu_pg"] + one["cpu_client"]
        allowed = cores * 1000 / spent if spent else float("inf")
        target = 0.8 * min(2 * one["rate"], allowed)
        out.append({"c": c, "one": one["rate"], "two": two["rate"], "ratio": two["rate"] / one["rate"],
                    "of_cores": two["rate"] / allowed, "target": target, "met": two["rate"] >= target})
    return out


def main(turns: int = 200, levels: tuple[int, ...] = (1, 4, 16), postgres: bool = True,
         setups_wanted: tuple[str, ...] = ("sqlite", "pg1", "pg2")) -> None:
    from contextlib import ExitStack

    from tessera.settings import Settings

    rows, colds, settled = [], [], []
    with tempfile.TemporaryDirectory(prefix="tessera-bench-load-") as tmp, ExitStack() as scratch:
        setups = [("SQLite", 1, {"TESSERA_DATA_DIR": str(Path(tmp) / "sqlite")})]  # the floor reads its store
        if postgres:
            try:
                url = scratch.enter_context(scratch_database("tessera_bench"))
                pg = {"TESSERA_DATA_DIR": str(Path(tmp) / "pg"), "TESSERA_DATABASE_URL": url}
                setups += [("PostgreSQL", n, pg) for n in (1, 2) if f"pg{n}" in setups_wanted]
            except Exception as exc:  # noqa: BLE001 - the table says why PostgreSQL is missing
                print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        offset = 0
        prepared = {}
        for engine, workers, extra in setups:
            env = {**os.environ, "OMP_NUM_THREADS": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True", **extra}
            if engine == "SQLite" and "sqlite" not in setups_wanted:
                continue
            key = extra["TESSERA_DATA_DIR"]
            if key not in prepared:
                prepared[key] = prepare(Settings(data_dir=Path(key),
                                                 database_url=extra.get("TESSERA_DATABASE_URL", "")))
            tokens, jobs = prepared[key]
            with server(env, workers) as (base, pid):
                cold, used = asyncio.run(warm_every_worker(base, tokens, jobs[offset:], workers, 8))
                offset += used
                waited, cpu = settle(pid)
                settled.append((engine, workers, waited, cpu))
                colds += [(engine, workers, c) for c in cold]
                meter = CpuMeter(pid, extra.get("TESSERA_DATABASE_URL", ""))
                for c in levels:
                    n = max(turns, c * 3)
                    meter.start()
                    r = asyncio.run(load(base, tokens, jobs[offset:offset + n], c))
                    rows.append((engine, str(workers), c, n, {**r, **meter.stop(n)}))
                    offset += n
        sqlite_dir = Path(setups[0][2]["TESSERA_DATA_DIR"])
        if str(sqlite_dir) in prepared:  # the floor runs on the SQLite store
            rows.append(("LangGraph floor", "in-process", 1, turns,
                         floor(sqlite_dir, prepared[str(sqlite_dir)][1][offset:offset + turns])))
    load_avg = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    table = Table(title=f"Chat turns over HTTP, never-seen messages, 1 in 3 writes ({os.cpu_count()} cores, "
                        f"load {load_avg}); CPU ms per turn: server, PostgreSQL (all its processes), load generator")
    for col in ("store", "workers", "concurrency", "turns", "turns/s", "p50", "p95", "p99", "5xx", "4xx",
                "CPU server", "CPU pg", "CPU client", "pg connections opened per turn", "turns/s the cores allow",
                "busiest process's share of the server's CPU"):
        table.add_column(col)
    for engine, workers, c, n, r in rows:
        spent = r["cpu_server"] + r["cpu_pg"] + r["cpu_client"]
        table.add_row(engine, workers, str(c), str(n), f"{r['rate']:.1f}", f"{r['p50']:.0f} ms",
                      f"{r['p95']:.0f} ms", f"{r['p99']:.0f} ms", str(r["5xx"]), str(r["other"]),
                      f"{r['cpu_server']:.0f}", f"{r['cpu_pg']:.0f}", f"{r['cpu_client']:.0f}",
                      "–" if r["pg_sessions"] is None else f"{r['pg_sessions']:.2f}",
                      f"{os.cpu_count() * 1000 / spent:.1f}" if spent else "",
                      f"{r['busiest']:.0%}" if "busiest" in r else "")
    Console(width=230).print(table)
    first = Table(title="Each worker's first turn, before the rows above (E5 and other first uses load then): "
                        "what a newly started worker's first request costs")
    for col in ("store", "workers", "worker pid", "status", "wall", "CPU of that worker"):
        first.add_column(col)
    for engine, workers, c in colds:
        first.add_row(engine, str(workers), str(c["worker"]), str(c["status"]), f"{c['wall']:.0f} ms",
                      f"{c['cpu']:.0f} ms")
    Console(width=230).print(first)
    scaling = scaling_rows(rows, os.cpu_count())
    if scaling:
        shown = Table(title="PostgreSQL, 2 workers against 1 (target: at least 0.8 × 2 × one worker's turns/s, up to "
                            "the cores: where that is more than the cores allow, 0.8 × what they allow)")
        for col in ("concurrency", "1 worker", "2 workers", "2 ÷ 1", "2 workers ÷ what the cores allow at 1's CPU",
                    "target turns/s", "met"):
            shown.add_column(col)
        for s in scaling:
            shown.add_row(str(s["c"]), f"{s['one']:.1f}", f"{s['two']:.1f}", f"{s['ratio']:.2f}×",
                          f"{s['of_cores']:.0%}", f"{s['target']:.1f}", "yes" if s["met"] else "no")
        Console(width=230).print(shown)
    for engine, workers, waited, cpu in settled:
        print(f"{engine}, {workers} worker(s): after the warm-up the server settled in {waited:.0f} s, spending "
              f"{cpu * 1000:.0f} ms of CPU meanwhile (background start-up, not counted in the rows)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--levels", default="1,4,16")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--setups", default="sqlite,pg1,pg2",
                        help="which servers to load: sqlite, pg1 (PostgreSQL, 1 worker), pg2 (2 workers)")
    args = parser.parse_args()
    main(args.turns, tuple(int(x) for x in args.levels.split(",")), not args.no_postgres,
         tuple(args.setups.split(",")))
