"""Benchmark: the edge node under load and its catch-up after an outage, printed as one table.

Runs a centre (hub) and a node as real processes, the node's link through a proxy that can be cut:
start-up time; local op latency (in-process and over HTTP, median and p99); sustained ops/s with the link
down; the node's resident memory under load (from /proc); and the time from the link returning to fully
synced for 10,000 records written offline. `python -m bench.bench_edge` from the repository root.
"""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table
from tessera.cli_kit import track

REPO = Path(__file__).resolve().parents[1]
OFFLINE_RECORDS = 10_000
CLIENT_THREADS = 4
NODE_ID = "bench-site"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Link:
    """A plain TCP proxy whose connections can be cut (and new ones refused) until restored."""

    def __init__(self, target_port: int):
        self.target_port, self.port, self.down, self._writers = target_port, free_port(), False, set()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(asyncio.start_server(self._serve, "127.0.0.1", self.port), self.loop).result()

    def cut(self) -> None:
        def drop():
            self.down = True
            for writer in list(self._writers):
                writer.transport.abort()
        self.loop.call_soon_threadsafe(drop)

    def restore(self) -> None:
        self.loop.call_soon_threadsafe(setattr, self, "down", False)

    async def _serve(self, client_r, client_w) -> None:
        if self.down:
            client_w.transport.abort()
            return
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers |= {client_w, server_w}

        async def pump(reader, writer):
            while data := await reader.read(1 << 16):
                writer.write(data)
                await writer.drain()
        try:
            await asyncio.wait([asyncio.ensure_future(pump(client_r, server_w)), asyncio.ensure_future(pump(server_r, client_w))],
                               return_when=asyncio.FIRST_COMPLETED)
        except (ConnectionError, OSError):
            pass
        for writer in (client_w, server_w):
            writer.transport.abort()
            self._writers.discard(writer)


class Client:
    """A keep-alive HTTP client, one per thread."""

    def __init__(self, port: int, credential: str = ""):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {credential}"} if credential else {})}

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=self.headers)
        response = self.conn.getresponse()
        return response.status, json.loads(response.read())


def wait_for(check, timeout: float, what: str) -> float:
    start = time.perf_counter()
    while True:
        try:
            if check():
                return time.perf_counter() - start
        except (OSError, http.client.HTTPException):
            pass
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"gave up waiting for {what} after {timeout}s")
        time.sleep(0.02)


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def seed_crm(url: str) -> str:
    """A CRM with one site account and node NODE_ID enrolled for it; returns the node's credential."""
    from crm.edge_nodes import enroll_node
    from crm.models import Account, Base, SalesUnit, Tenant, User
    from crm.store import Store

    store = Store(url)
    Base.metadata.create_all(store.engine)
    with store.session() as s:
        tenant = Tenant(name="Bench Industrial")
        s.add(tenant), s.flush()
        unit = SalesUnit(tenant_id=tenant.id, code="B", name="Bench", region="east")
        s.add(unit), s.flush()
        bot = User(tenant_id=tenant.id, login="edge.bot", display_name="Edge", role="admin", unit_id=unit.id)
        s.add(bot), s.flush()
        site = Account(tenant_id=tenant.id, unit_id=unit.id, owner_id=bot.id, name="Bench plant", industry="mfg", region="east", city="Suzhou")
        s.add(site), s.flush()
        _, credential = enroll_node(s, NODE_ID, site.id, by="bench")
    store.dispose()
    return credential


def in_process_latency(data_dir: Path, ops: int = 2_000) -> list[float]:
    """Domain op latency with no HTTP: the field service over a durable log (fsync on commit)."""
    from edge_agent.field_service import FieldService
    from edge_agent.persistence import DocSet, UpdateLog
    from edge_agent.records import RecordStore

    service = FieldService(RecordStore(DocSet(UpdateLog(data_dir / "inproc.db")), "inproc"))
    rng, ids, samples = random.Random(1), [], []
    for n in range(ops):
        start = time.perf_counter()
        if n % 4 == 0 or not ids:
            ids.append(service.create_work_order(title=f"job {n}", asset="P-12", wo_type="maintenance")["id"])
        elif n % 4 == 1:
            service.assign(rng.choice(ids), "Zhang Wei")
        else:
            service.progress(rng.choice(ids), labour_minutes=10)
        samples.append(time.perf_counter() - start)
    return samples


def offline_record(n: int, work_orders: list[str]) -> tuple[str, dict]:
    roll = n % 20
    if roll < 12:
        return "/v1/work-orders", {"id": str(uuid.uuid4()), "title": f"offline job {n}", "asset": f"P-{n % 97}",
                                   "type": "repair" if roll == 0 else "maintenance"}
    if roll < 16:
        return "/v1/inventory-moves", {"id": str(uuid.uuid4()), "part": "seal-40mm", "quantity": 1 + n % 5, "from_location": "store",
                                       "to_location": "line 3", "weight_g": 100 + n % 3, "expected_g": 100, "tolerance_g": 2}
    if roll < 19:
        return "/v1/scans", {"id": str(uuid.uuid4()), "code": "4006381333931"}
    return "/v1/dispatches", {"id": str(uuid.uuid4()), "technician": "Li Na", "work_order_ids": [work_orders[n % len(work_orders)]],
                              "stops": [[0, 0], [4, 3], [1, 1]]}


def main() -> None:
    console = Console()
    load_before = os.getloadavg()[0]  # other work on the machine skews every timing below
    tmp = Path(tempfile.mkdtemp(prefix="bench-edge-"))
    crm_url = f"sqlite:///{tmp / 'crm.db'}"
    credential = seed_crm(crm_url)
    hub_port, node_port = free_port(), free_port()
    procs: list[subprocess.Popen] = []
    rows: list[tuple[str, str, str]] = []
    try:
        console.print("in-process op latency ...")
        inproc = in_process_latency(tmp)

        hub = subprocess.Popen([sys.executable, "-m", "edge_agent", "hub", "--port", str(hub_port), "--data-dir", str(tmp / "hub"),
                                "--crm-url", crm_url],
                               cwd=REPO, stdout=subprocess.DEVNULL, stderr=open(tmp / "hub.log", "wb"))
        procs.append(hub)
        wait_for(lambda: Client(hub_port).call("GET", "/health")[0] == 200, 60, "the hub")
        link = Link(hub_port)

        console.print("node start-up ...")
        started = time.perf_counter()
        node = subprocess.Popen([sys.executable, "-m", "edge_agent", "run", "--node-id", NODE_ID, "--port", str(node_port),
                                 "--data-dir", str(tmp / "node"), "--central", f"ws://127.0.0.1:{link.port}/v1/edge/sync",
                                 "--max-backoff", "1"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=open(tmp / "node.log", "wb"),
                                env={**os.environ, "TESSERA_EDGE__NODE_CREDENTIAL": credential})
        procs.append(node)
        wait_for(lambda: Client(node_port).call("GET", "/v1/health")[0] == 200, 60, "the node")
        startup, startup_cpu = time.perf_counter() - started, cpu_seconds(node.pid)
        rss_idle = rss_kb(node.pid)
        wait_for(lambda: Client(node_port).call("GET", "/v1/health")[1]["sync"]["synced"], 30, "the first sync")

        console.print("HTTP op latency, link up ...")
        client, rng, ids, http_lat = Client(node_port), random.Random(2), [], []
        for n in track(range(1_000), "HTTP ops, link up", total=1_000):
            if n % 4 == 0 or not ids:
                path, body = "/v1/work-orders", {"title": f"job {n}", "type": "maintenance"}
            else:
                wo = rng.choice(ids)
                path, body = (f"/v1/work-orders/{wo}/assign", {"technician": "Zhang Wei"}) if n % 4 == 1 else \
                             (f"/v1/work-orders/{wo}/progress", {"labour_minutes": 5})
            start = time.perf_counter()
            status, answer = client.call("POST", path, body)
            http_lat.append(time.perf_counter() - start)
            if path == "/v1/work-orders":
                ids.append(answer["id"])

        console.print(f"{OFFLINE_RECORDS} records with the link down, {CLIENT_THREADS} clients ...")
        link.cut()
        peak, sampling = [0], threading.Event()

        def sample():
            while not sampling.wait(0.05):
                peak[0] = max(peak[0], rss_kb(node.pid))
        threading.Thread(target=sample, daemon=True).start()
        local = threading.local()
        load_lat: list[float] = []

        def write(n: int) -> None:
            if not hasattr(local, "client"):
                local.client = Client(node_port)
            path, body = offline_record(n, ids)
            start = time.perf_counter()
            status, _ = local.client.call("POST", path, body)
            load_lat.append(time.perf_counter() - start)
            assert status == 201, (path, status)

        load_start = time.perf_counter()
        with ThreadPoolExecutor(CLIENT_THREADS) as pool:
            list(track(pool.map(write, range(OFFLINE_RECORDS)), "records written offline", total=OFFLINE_RECORDS))
        load_s = time.perf_counter() - load_start
        sampling.set()
        total = sum(Client(node_port).call("GET", "/v1/health")[1]["records"].values())

        console.print("link restored: catching up ...")
        link.restore()
        back = time.perf_counter()
        connected = wait_for(lambda: Client(node_port).call("GET", "/v1/health")[1]["sync"]["connected"], 60, "reconnect")
        at_centre = wait_for(lambda: sum(Client(hub_port, credential).call("GET", f"/v1/edge/nodes/{NODE_ID}")[1].get("records", {}).values()) >= total,
                             120, "the records at the centre")
        synced = wait_for(lambda: Client(node_port).call("GET", "/v1/health")[1]["sync"]["synced"], 120, "full sync")
        synced_total = time.perf_counter() - back
        rss_after = rss_kb(node.pid)
        hwm = rss_kb(node.pid, "VmHWM")
    except BaseException:
        console.print(f"[red]benchmark failed; logs kept in {tmp}[/red]")
        raise
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
    shutil.rmtree(tmp, ignore_errors=True)

    ms = 1000
    rows += [
        ("node start-up (spawn → /v1/health answers)", f"{startup:.2f} s ({startup_cpu:.2f} s CPU)", "a second or two"),
        ("local op latency, in-process (median / p99)", f"{statistics.median(inproc) * ms:.2f} / {percentile(inproc, 0.99) * ms:.2f} ms", "fsync per op"),
        ("local op latency, HTTP, 1 client (median / p99)", f"{statistics.median(http_lat) * ms:.2f} / {percentile(http_lat, 0.99) * ms:.2f} ms", ""),
        (f"local op latency, HTTP, {CLIENT_THREADS} clients (median / p99)", f"{statistics.median(load_lat) * ms:.2f} / {percentile(load_lat, 0.99) * ms:.2f} ms", "under load"),
        (f"sustained ops/s ({OFFLINE_RECORDS:,} creates, link down)", f"{OFFLINE_RECORDS / load_s:,.0f} ops/s", f"{load_s:.1f} s"),
        ("node RSS idle / peak under load / VmHWM", f"{rss_idle / 1024:.0f} / {max(peak[0], rss_after) / 1024:.0f} / {hwm / 1024:.0f} MB", "≤ 128 MB"),
        ("link back → node reconnected", f"{connected:.2f} s", "reconnect backoff ≤ 1 s"),
        (f"link back → all {total:,} records at the centre", f"{connected + at_centre:.2f} s", ""),
        ("link back → fully synced (state vectors equal)", f"{synced_total:.2f} s", "≤ 30 s"),
    ]
    table = Table(title=f"Edge node: {OFFLINE_RECORDS:,} offline records, SQLite synchronous=FULL, "
                        f"{os.cpu_count()} CPUs, load average {load_before:.1f} before the run")
    for column in ("measure", "result", "target / note"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


if __name__ == "__main__":
    main()
