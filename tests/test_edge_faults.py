"""Fault test with two real processes: a site node and the centre, joined through a proxy that cuts the link
at random points and duplicates and reorders websocket frames, while either process is killed (SIGKILL) and
restarted from its log, mid-request and mid-sync. Afterwards both hold exactly the same records, none lost,
none twice, and every follow-up (CRM case, insurance-claim webhook) happened exactly once.
"""
from __future__ import annotations

import asyncio
import http.client
import json
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import os
import uuid
from pathlib import Path

from sqlalchemy import select

from crm.models import Case
from crm.store import Store
from edge_agent.followups import EdgeOutbox, due_actions
from tests.test_edge_followups import ClaimsReceiver, SiteCrm

REPO = Path(__file__).resolve().parents[1]
NODE_ID = "plant-7"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Unavailable(Exception):
    """The process did not answer (it is down, or was killed while answering)."""


def call(method: str, url: str, body: dict | None = None, credential: str | None = None) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {credential}"} if credential else {})}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, OSError) as exc:
        raise Unavailable(str(exc)) from None


class Process:
    """A node or hub subprocess that can be killed with SIGKILL and started again on the same port and data."""

    def __init__(self, name: str, args: list[str], port: int, health: str, logs: Path, env: dict | None = None):
        self.name, self.args, self.port, self.logs = name, args, port, logs
        self.env = {**os.environ, **(env or {})}
        self.health = f"http://127.0.0.1:{port}{health}"
        self.proc: subprocess.Popen | None = None
        self.lock = threading.Lock()
        self.kills = 0

    def start(self) -> None:
        with self.lock:
            log = open(self.logs / f"{self.name}.log", "ab")
            self.proc = subprocess.Popen([sys.executable, "-m", "edge_agent", *self.args], cwd=REPO, stdout=log, stderr=log,
                                         env=self.env)

    def kill(self) -> None:
        with self.lock:
            self.proc.kill()
            self.proc.wait()
            self.kills += 1

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"{self.name} exited; see {self.logs / (self.name + '.log')}"
            try:
                if call("GET", self.health)[0] == 200:
                    return
            except Unavailable:
                time.sleep(0.05)
        raise AssertionError(f"{self.name} did not start within {timeout}s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class ChaosProxy:
    """A TCP proxy for the sync websocket: `cut()` drops every connection and refuses new ones until `restore()`;
    meanwhile whole binary frames are duplicated and held back behind later ones."""

    def __init__(self, target_port: int, rng: random.Random, duplicate: float = 0.05, hold: float = 0.1):
        self.target_port, self.rng, self.duplicate, self.hold = target_port, rng, duplicate, hold
        self.port = free_port()
        self.down = False
        self.frames = {"passed": 0, "duplicated": 0, "reordered": 0}
        self._writers: set[asyncio.StreamWriter] = set()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._listen(), self.loop).result()

    async def _listen(self) -> None:
        self.server = await asyncio.start_server(self._connection, "127.0.0.1", self.port)

    def cut(self) -> None:
        def drop():
            self.down = True
            for writer in list(self._writers):
                writer.transport.abort()
        self.loop.call_soon_threadsafe(drop)

    def restore(self) -> None:
        self.loop.call_soon_threadsafe(setattr, self, "down", False)

    async def _connection(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self.down:
            client_w.transport.abort()
            return
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_w.transport.abort()
            return
        self._writers |= {client_w, server_w}
        pipes = [asyncio.ensure_future(self._pipe(client_r, server_w)), asyncio.ensure_future(self._pipe(server_r, client_w))]
        await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        for task in pipes:
            task.cancel()
        for writer in (client_w, server_w):
            writer.transport.abort()
            self._writers.discard(writer)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(await reader.readuntil(b"\r\n\r\n"))  # the HTTP upgrade, untouched
            held: bytes | None = None
            while True:
                try:
                    head = await (asyncio.wait_for(reader.readexactly(2), 0.02) if held else reader.readexactly(2))
                except asyncio.TimeoutError:
                    writer.write(held)  # nothing overtook it: let it go
                    held = None
                    continue
                size, extra = head[1] & 0x7F, b""
                if size >= 126:
                    extra = await reader.readexactly(2 if size == 126 else 8)
                    size = int.from_bytes(extra, "big")
                mask = await reader.readexactly(4) if head[1] & 0x80 else b""
                frame = head + extra + mask + await reader.readexactly(size)
                if head[0] != 0x82:  # control or fragmented frames keep their place
                    writer.write((held or b"") + frame)
                    held = None
                elif held is None and self.rng.random() < self.hold:
                    held = frame
                else:
                    if held is not None:
                        self.frames["reordered"] += 1
                    writer.write(frame + (held or b""))
                    held = None
                    if self.rng.random() < self.duplicate:
                        writer.write(frame)
                        self.frames["duplicated"] += 1
                self.frames["passed"] += 1
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            return


class SiteWork:
    """What the site's tablets do: every request carries its own id, and is retried until the node answers."""

    def __init__(self, node: Process, hub: Process, rng: random.Random, credential: str):
        self.credential = credential
        self.node_url, self.hub_url, self.rng = f"http://127.0.0.1:{node.port}", f"http://127.0.0.1:{hub.port}", rng
        self.created: dict[str, str] = {}  # record id -> kind
        self.orders: dict[str, dict] = {}  # work order id -> what this side believes of it
        self.ops: dict[str, str] = {}  # op id -> work order id, for every change the node acknowledged

    def request(self, method: str, path: str, body: dict) -> tuple[int, object]:
        deadline = time.monotonic() + 60
        while True:
            try:
                return call(method, self.node_url + path, body)
            except Unavailable:
                assert time.monotonic() < deadline, f"node unavailable for 60s ({method} {path})"
                time.sleep(0.05)

    def create(self, kind: str, path: str, body: dict) -> str:
        rid = str(uuid.uuid4())
        status, _ = self.request("POST", path, {**body, "id": rid})
        assert status == 201, (path, status)
        self.created[rid] = kind
        return rid

    def step(self, n: int) -> None:
        rng, open_orders = self.rng, [rid for rid, wo in self.orders.items() if wo["status"] != "closed"]
        roll = rng.random()
        if roll < 0.35 or not open_orders:
            wo_type = rng.choices(["repair", "maintenance", "inspection", "insurance_claim"], [3, 4, 2, 2])[0]
            rid = self.create("work_order", "/v1/work-orders", {"title": f"job {n}", "asset": f"P-{n % 40}", "type": wo_type,
                                                                 "needs_case": rng.random() < 0.3})
            self.orders[rid] = {"status": "open", "percent": 0}
        elif roll < 0.75:
            rid, op = rng.choice(open_orders), f"op-{n}"
            wo = self.orders[rid]
            action = rng.choice(["assign", "progress", "close"])
            if action == "assign":
                body = {"technician": rng.choice(["Zhang Wei", "Li Na", "Wang Fang"])}
            elif action == "progress":
                wo["percent"] = min(100, wo["percent"] + rng.randint(5, 30))
                body = {"percent": wo["percent"], "labour_minutes": rng.randint(5, 60)}
            else:
                body = {"needs_case": rng.random() < 0.5, "note": f"done {n}"}
                wo["status"] = "closed"
            status, _ = self.request("POST", f"/v1/work-orders/{rid}/{action}", {**body, "op_id": op})
            assert status == 200, (action, status)
            self.ops[op] = rid
        elif roll < 0.85:
            self.create("inventory_move", "/v1/inventory-moves", {"part": "seal-40mm", "quantity": rng.randint(1, 5),
                                                                  "from_location": "store", "to_location": "line 3",
                                                                  "weight_g": 100, "expected_g": 100})
        elif roll < 0.92:
            self.create("scan", "/v1/scans", {"code": rng.choice(["4006381333931", "4006381333932"])})
        elif roll < 0.96:
            self.create("dispatch", "/v1/dispatches", {"technician": "Li Na", "work_order_ids": [rng.choice(list(self.orders))],
                                                       "stops": [[0, 0], [rng.randint(-9, 9), rng.randint(-9, 9)], [3, 4]]})
        else:  # the centre's dispatcher reassigns a work order it has heard of, if the centre is up
            rid = rng.choice(list(self.orders))
            try:
                call("POST", f"{self.hub_url}/v1/edge/nodes/{NODE_ID}/work-orders/{rid}/assign", {"technician": "HQ dispatcher"},
                     credential=self.credential)
            except Unavailable:
                pass


FAULTS = ["cut", "cut", "cut", "cut", "cut", "cut", "kill node", "kill node", "kill hub", "kill hub",
          "kill node mid-sync", "kill hub mid-sync"]


def chaos(proxy: ChaosProxy, node: Process, hub: Process, rng: random.Random, log: list[str], stop: threading.Event) -> None:
    """Each fault of FAULTS once, in random order at random moments: link cuts (restored a moment later),
    SIGKILLs that land mid-request, and SIGKILLs just after the link returns, while the node catches up."""
    for fault in rng.sample(FAULTS, len(FAULTS)):
        if stop.wait(rng.uniform(0.1, 0.5)):
            return
        if fault == "cut":
            proxy.cut()
            time.sleep(rng.uniform(0.1, 0.8))
            proxy.restore()
        else:
            victim = node if "node" in fault else hub
            if fault.endswith("mid-sync"):
                proxy.cut()
                time.sleep(rng.uniform(0.3, 0.8))  # the site keeps working offline meanwhile
                proxy.restore()
                time.sleep(rng.uniform(0.0, 0.5))
            victim.kill()
            victim.start()
        log.append(fault)


def test_after_cuts_kills_duplicates_and_reordering_both_sides_hold_the_same_records_once(tmp_path):
    rng = random.Random(20261126)
    store = Store(f"sqlite:///{tmp_path / 'crm.db'}")
    crm = SiteCrm(store)
    receiver = ClaimsReceiver(statuses=[503, 500])
    hub_port, node_port = free_port(), free_port()
    hub = Process("hub", ["hub", "--port", str(hub_port), "--data-dir", str(tmp_path / "hub"), "--crm-url", store.url,
                          "--webhook-url", receiver.url, "--retry-base", "0.2", "--synchronous", "NORMAL"],
                  hub_port, "/health", tmp_path)
    proxy = ChaosProxy(hub_port, random.Random(7))
    node = Process("node", ["run", "--node-id", NODE_ID, "--port", str(node_port), "--data-dir", str(tmp_path / "node"),
                            "--central", f"ws://127.0.0.1:{proxy.port}/v1/edge/sync", "--max-backoff", "0.5",
                            "--synchronous", "NORMAL"], node_port, "/v1/health", tmp_path,
                   env={"TESSERA_EDGE__NODE_CREDENTIAL": crm.credential})
    faults: list[str] = []
    stop = threading.Event()
    monkey = threading.Thread(target=chaos, args=(proxy, node, hub, random.Random(99), faults, stop), daemon=True)
    try:
        hub.start(), node.start()
        hub.wait_ready(), node.wait_ready()
        work = SiteWork(node, hub, rng, crm.credential)
        monkey.start()
        n = 0
        while monkey.is_alive() or n < 200:
            work.step(n)
            n += 1
        monkey.join()

        proxy.restore()
        node.wait_ready(), hub.wait_ready()
        restored = time.monotonic()
        hub_records, node_records = converge(node, hub, work, store, receiver, crm.credential)
        synced_after = time.monotonic() - restored
    finally:
        stop.set()
        if monkey.is_alive():
            monkey.join()  # it may be restarting a process: let it finish before stopping both
        node.stop(), hub.stop()
        receiver.close()

    print(f"{n} operations; faults: {faults}; frames: {proxy.frames}; converged {synced_after:.1f}s after the link returned")
    assert sorted(faults) == sorted(FAULTS)
    assert proxy.frames["duplicated"] > 0 and proxy.frames["reordered"] > 0
    assert synced_after < 30

    # none lost, none twice, the same on both sides
    assert node_records == hub_records
    assert {r["id"]: r["kind"] for r in node_records} == work.created
    orders = {r["id"]: r for r in node_records if r["kind"] == "work_order"}
    for op, rid in work.ops.items():
        assert [e["id"] for e in orders[rid]["history"]].count(op) == 1, op
    assert all([e["op"] for e in r["history"]].count("created") == 1 for r in node_records)

    # follow-ups exactly once
    due = {(rid, action) for rid, wo in orders.items() for action in due_actions(wo)}
    with store.session() as s:
        opened = list(s.scalars(select(Case)))
        cases = [c.classification["work_order_id"] for c in opened]
        assert {(c.account_id, c.opened_by) for c in opened} <= {(crm.account_id, crm.node_user_id)}
        outbox = {(row.record_id, row.action) for row in s.scalars(select(EdgeOutbox))}
    assert sorted(cases) == sorted(rid for rid, action in due if action == "service_case")
    assert outbox == due
    claims = {f"edge:{rid}:insurance_claim" for rid, action in due if action == "insurance_claim"}
    assert set(receiver.claims) == claims and {key for key, _ in receiver.deliveries} == claims
    for rid, wo in orders.items():
        entries = sorted(e["action"] for e in wo["history"] if e["op"] == "followup")
        assert entries == sorted(action for r, action in due if r == rid)


def converge(node: Process, hub: Process, work: SiteWork, store: Store, receiver: ClaimsReceiver, credential: str,
             timeout: float = 30.0):
    """Poll until both sides hold the same records and every follow-up has happened and been synced back."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, node_records = call("GET", f"http://127.0.0.1:{node.port}/v1/records")
            status, hub_records = call("GET", f"http://127.0.0.1:{hub.port}/v1/edge/nodes/{NODE_ID}/records",
                                       credential=credential)
        except Unavailable:
            node_records, hub_records, status = None, None, 0
        if status == 200 and node_records == hub_records and len(node_records) == len(work.created):
            orders = [r for r in node_records if r["kind"] == "work_order"]
            wanted = sum(len(due_actions(wo)) for wo in orders)
            followed = sum(1 for wo in orders for e in wo["history"] if e["op"] == "followup")
            claims = sum(1 for wo in orders if "insurance_claim" in due_actions(wo))
            if followed == wanted and len(receiver.claims) == claims:
                return hub_records, node_records
        assert time.monotonic() < deadline, "node and centre did not converge within 30s of the link returning"
        time.sleep(0.2)
