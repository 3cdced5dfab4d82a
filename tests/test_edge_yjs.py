"""A stock y-websocket client (npm, run by Node) syncs with the edge hub unmodified: one shard document per room
('<node>/<shard>'), its credential in y-websocket's `params` (?token=). It reads the node's records, and a work
order it writes is screened and followed up like any other; a wrong or foreign credential syncs nothing."""
from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from edge_agent.clock import HybridClock, to_iso
from edge_agent.persistence import SHARDS
from tests.security.edge_support import OTHER, PLANT, Centre

CLIENT = Path(__file__).resolve().parent / "yjs"


@pytest.fixture(scope="module")
def node_client() -> Path:
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed (Debian: apt-get install nodejs npm)")
    if not (CLIENT / "node_modules" / "y-websocket").exists():
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed, and tests/yjs/node_modules is missing")
        done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=CLIENT, capture_output=True, timeout=300)
        if done.returncode != 0:
            pytest.skip(f"could not install the y-websocket client (npm ci in tests/yjs): {done.stderr.decode()[-300:]}")
    return CLIENT / "client.mjs"


@pytest.fixture
def centre(store, tmp_path) -> Centre:
    return Centre(store, tmp_path)


def run_client(client: Path, sync_url: str, room: str, token: str, record: dict | None = None) -> tuple[int, dict]:
    args = ["node", str(client), sync_url, room, token] + ([json.dumps(record)] if record else [])
    done = subprocess.run(args, capture_output=True, timeout=40, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return done.returncode, json.loads(lines[0]) if lines else {"stderr": done.stderr[-500:]}


def work_order_in_shard(shard: int, node: str, title: str, **fields) -> dict:
    """A work order laid out exactly as records.py lays it out, with an id that falls in `shard`."""
    rid = str(uuid.UUID(f"{shard:08x}" + uuid.uuid4().hex[8:]))
    stamp = HybridClock(node).now()
    dump = lambda value: json.dumps(value, separators=(",", ":"), sort_keys=True)  # noqa: E731
    head = {"id": rid, "kind": "work_order", "origin": node, "hlc": stamp, "created_at": to_iso(stamp),
            "fields": {"title": title, "asset": None, "location": None, "type": "repair", "account_id": None, **fields}}
    entries = {"head": dump(head), f"h/{uuid.uuid4().hex[:16]}": dump({"op": "created", "title": title, "by": node,
                                                                          "hlc": stamp, "at": to_iso(stamp)})}
    for name, value in {"status": "open", "priority": "high", "needs_case": False}.items():
        entries[f"r/{name}/{node}"] = dump({"v": value, "hlc": stamp, "seen": {}})
    return {"id": rid, "entries": entries}


def test_a_stock_y_websocket_client_reads_and_writes_a_shard_of_its_own_node(centre, node_client):
    room = centre.hub.room("plant-7")
    existing = room.service.create_work_order(title="grease conveyor C-2")
    shard = room.records.shard_of(existing["id"])
    written = work_order_in_shard((shard + 1) % SHARDS, "plant-7", "pump P-12 leaking (from a Y.js tablet)")
    pushy = work_order_in_shard(shard, "plant-7", "bill it to the port", account_id=OTHER)

    with centre.serving() as (sync_url, _):
        code, seen = run_client(node_client, sync_url, f"plant-7/{shard}", centre.credential7)
        assert code == 0 and seen == {"synced": True, "work_orders": {existing["id"]: "grease conveyor C-2"}}
        code, _ = run_client(node_client, sync_url, f"plant-7/{(shard + 1) % SHARDS}", centre.credential7, written)
        assert code == 0
        code, _ = run_client(node_client, sync_url, f"plant-7/{shard}", centre.credential7, pushy)
        assert code == 0
        deadline = time.monotonic() + 15
        while not (centre.cases() and not centre.hub.busy) and time.monotonic() < deadline:
            time.sleep(0.1)
        listed = {r["id"] for r in room.service.records_of("work_order")}
        quarantined = [q["record_id"] for q in centre.hub.quarantine("plant-7")]

    assert listed == {existing["id"], written["id"]}
    assert quarantined == [pushy["id"]]
    assert [(c.classification["work_order_id"], c.account_id, c.opened_by) for c in centre.cases()] == [
        (written["id"], PLANT, centre.plant7.user_id)]


def test_a_stock_client_with_a_wrong_or_foreign_credential_syncs_nothing(centre, node_client):
    centre.hub.room("plant-7").service.create_work_order(title="secret job")
    with centre.serving() as (sync_url, _):
        for room, token in [("plant-7/0", "tsn_made-up"), ("plant-7/0", centre.credential8), ("plant-7/9", centre.credential7),
                            ("plant-7/0", centre.admin_token)]:
            code, seen = run_client(node_client, sync_url, room, token)
            assert code != 0 and not seen.get("synced"), (room, seen)
