"""`tessera edge ...`: `enroll`, `revoke` and list (`nodes`) the sites the centre talks to; `run` an edge node, run a
standalone `hub` (the centre, for testing), or `chat` with a node.

    tessera edge enroll plant-7 --account 12        # prints the node's credential once
    TESSERA_EDGE__NODE_CREDENTIAL=tsn_... tessera edge run --node-id plant-7 --central ws://127.0.0.1:8000/v1/edge/sync
    tessera edge hub --port 8000 --data-dir var/hub --crm-url sqlite:///var/tessera.db
    tessera edge --log-level info chat --port 8100
"""
from __future__ import annotations

import sys
import threading
import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from tessera.cli_kit import CommandGroup, bad_usage, current, emit, make_table

WS_MAX_BYTES = 64 * 1024 * 1024  # a node's first sync after a long outage arrives as one step-2 frame per shard
edge = CommandGroup(help="Edge sites and their sync hub: `edge enroll|revoke|nodes` (admin), `edge run`, `edge hub`, "
                         "`edge chat`.")


class Fsync(str, Enum):
    FULL = "FULL"
    NORMAL = "NORMAL"


FsyncOption = Annotated[Fsync, typer.Option(help="SQLite fsync level of the update log")]
Host = Annotated[str, typer.Option(help="the address to listen on")]


def register(app: typer.Typer) -> None:
    app.add_typer(edge, name="edge", rich_help_panel="Capabilities")


@edge.command("enroll")
def enroll(node_id: Annotated[str, typer.Argument(help="the site's node id, e.g. plant-7")],
           account: Annotated[int | None, typer.Option(
               min=1, max=2**31 - 1, help="the CRM account of the site (default: TESSERA_EDGE__ACCOUNTS[NODE])")] = None,
           rotate: Annotated[bool, typer.Option(
               help="the node is enrolled already: issue a new credential, the old one stops working")] = False) -> None:
    """Enroll an edge node for its site's CRM account; its credential is printed once (only its hash is kept).
    Give it to the node as TESSERA_EDGE__NODE_CREDENTIAL."""
    from crm.edge_nodes import check_node_id, enroll_node

    state = current()
    try:
        check_node_id(node_id)
    except ValueError as exc:
        bad_usage(str(exc))
    account = account if account is not None else state.settings.edge.accounts.get(node_id)
    if account is None:
        bad_usage(f"name the site's CRM account: `tessera edge enroll {node_id} --account ID`")
    with state.store().session() as s:
        node, credential = enroll_node(s, node_id, account, by="cli", rotate=rotate)
    emit({**node.as_dict(), "credential": credential}, lambda d: d["credential"])


@edge.command("revoke")
def revoke(node_id: Annotated[str, typer.Argument(help="the enrolled node id")]) -> None:
    """Revoke an edge node: the centre refuses its credential from now on (a connected node is cut off)."""
    from crm.edge_nodes import revoke_node

    with current().store().session() as s:
        node = revoke_node(s, node_id, by="cli")
    emit(node.as_dict(), lambda d: f"edge node {d['node_id']} is revoked; the centre refuses it from now on")


@edge.command("nodes")
def nodes() -> None:
    """List the enrolled edge nodes: site account, since when, and whether revoked."""
    from crm.edge_nodes import enrolled_nodes

    with current().store().session() as s:
        rows = [n.as_dict() for n in enrolled_nodes(s)]
    emit(rows, lambda r: make_table(f"{len(r)} enrolled edge node(s)", ("node", "account", "enrolled", "revoked"),
                                    [(n["node_id"], n["account_id"], n["created_at"][:16], n["revoked_at"]) for n in r]))


@edge.command("run")
def run(node_id: Annotated[str, typer.Option(help="this site's id, e.g. plant-7 (letters, digits, - and _)")],
        central: Annotated[str | None, typer.Option(
            help="the centre's sync URL, e.g. ws://127.0.0.1:8000/v1/edge/sync (omit to run alone)")] = None,
        host: Host = "127.0.0.1", port: int = 8100,
        data_dir: Annotated[Path | None, typer.Option(
            help="where the node keeps its log (default: <TESSERA_DATA_DIR>/edge/<node-id>)")] = None,
        synchronous: FsyncOption = Fsync.FULL,
        max_backoff: Annotated[float, typer.Option(help="longest wait in seconds between reconnect attempts")] = 5.0,
        chat: Annotated[bool, typer.Option(help="also open the terminal chat")] = False) -> None:
    """Run an edge node: local store, HTTP API (on 127.0.0.1 unless TESSERA_EDGE__NODE_API_KEY is set), sync with
    the centre."""
    import uvicorn

    from edge_agent.api import check_exposure, create_app
    from edge_agent.node import EdgeNode

    state = current()
    api_key = state.settings.edge.node_api_key
    try:
        check_exposure(host, api_key)
    except ValueError as exc:
        bad_usage(str(exc))
    credential = state.settings.edge.node_credential
    if central and not credential:
        bad_usage("the centre talks only to enrolled nodes: set TESSERA_EDGE__NODE_CREDENTIAL to the credential "
                  f"`tessera edge enroll {node_id} --account ID` printed")
    data_dir = data_dir or state.settings.data_dir / "edge" / node_id
    node = EdgeNode(node_id, data_dir, central, credential=credential, synchronous=synchronous.value,
                    max_backoff_s=max_backoff)
    for name, why in node.capabilities.refused.items():
        print(f"capability {name} refused: {why}", file=sys.stderr)
    server = uvicorn.Server(uvicorn.Config(create_app(node, api_key), host=host, port=port,
                                           log_level=state.log_level.value, ws="none", lifespan="on"))
    if chat:
        threading.Thread(target=_chat_when_ready, args=(server, host, port, api_key), daemon=True).start()
    server.run()


@edge.command("hub")
def hub(host: Host = "127.0.0.1", port: int = 8000,
        data_dir: Annotated[Path | None, typer.Option(
            help="where the hub keeps its log (default: <TESSERA_DATA_DIR>/edge-hub)")] = None,
        crm_url: Annotated[str | None, typer.Option(
            help="the CRM store URL, migrated, where nodes are enrolled (default: Tessera's store)")] = None,
        webhook_url: Annotated[str | None, typer.Option(help="where insurance-claim follow-ups are POSTed")] = None,
        retry_base: Annotated[float, typer.Option(
            help="first webhook retry delay in seconds (doubles each time)")] = 1.0,
        synchronous: FsyncOption = Fsync.FULL) -> None:
    """Run a standalone centre: the sync endpoint for enrolled nodes, follow-ups into the CRM store (on each node's
    enrolled account). It admits node credentials only; enroll nodes with `tessera edge enroll`."""
    import uvicorn
    from fastapi import FastAPI
    from sqlalchemy import inspect

    from crm.store import Store
    from edge_agent.centre import shared_log
    from edge_agent.followups import FollowupConfig, Followups
    from edge_agent.gate import EdgeGate
    from edge_agent.hub import EdgeHub
    from edge_agent.hub_http import edge_router

    state = current()
    store = Store(crm_url) if crm_url else state.store()
    if not inspect(store.engine).has_table("edge_nodes"):
        bad_usage(f"the CRM store {store.url} has no edge_nodes table; migrate it (`TESSERA_DATABASE_URL=... tessera "
                  "migrate`) and enroll nodes with `tessera edge enroll`")
    config = FollowupConfig(webhook_url=webhook_url, retry_base_s=retry_base)
    gate = EdgeGate(store)
    centre = EdgeHub(data_dir or state.settings.data_dir / "edge-hub", Followups(store, config),
                     synchronous=synchronous.value, site_account=gate.site_account,
                     log=shared_log(state.settings.edge.hub_log(store.url)))
    app = FastAPI(title="Tessera edge hub")
    app.include_router(edge_router(centre, gate))
    app.get("/health", tags=["ops"])(lambda: {"ok": True})
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=state.log_level.value,
                                  ws_max_size=WS_MAX_BYTES, lifespan="on")).run()


@edge.command("chat")
def chat(host: Annotated[str, typer.Option(help="the node's address")] = "127.0.0.1", port: int = 8100) -> None:
    """Chat with a running node in the terminal (sends TESSERA_EDGE__NODE_API_KEY when it is set)."""
    from edge_agent.chat import remote_reply, repl

    repl(remote_reply(f"http://{host}:{port}", current().settings.edge.node_api_key))


def _chat_when_ready(server, host: str, port: int, api_key: str) -> None:
    from edge_agent.chat import remote_reply, repl

    while not server.started:
        time.sleep(0.05)
    repl(remote_reply(f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}", api_key))
    server.should_exit = True
