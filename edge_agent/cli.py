"""Command line for the edge: `run` an edge node, run a standalone `hub` (the centre, for testing), or `chat`.

    python -m edge_agent run --node-id plant-7 --central ws://127.0.0.1:8000/v1/edge/sync --port 8100 --data-dir var/edge
    python -m edge_agent hub --port 8000 --data-dir var/hub --crm-url sqlite:///var/tessera.db --account-id 1 --opened-by 1
    python -m edge_agent chat --port 8100
"""
from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from pathlib import Path

WS_MAX_BYTES = 64 * 1024 * 1024  # a node's first sync after a long outage arrives as one step-2 frame per shard


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=getattr(logging, args.log_level.upper()), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return {"run": _run, "hub": _hub, "chat": _chat}[args.command](args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tessera edge", description="Tessera edge node and its central sync hub")
    parser.add_argument("--log-level", default="warning")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run an edge node: local store, HTTP API, sync with the centre")
    run.add_argument("--node-id", required=True, help="this site's id, e.g. plant-7 (letters, digits, - and _)")
    run.add_argument("--central", default=None, help="the centre's sync URL, e.g. ws://127.0.0.1:8000/v1/edge/sync (omit to run alone)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8100)
    run.add_argument("--data-dir", type=Path, default=None, help="where the node keeps its log (default: <TESSERA_DATA_DIR>/edge/<node-id>)")
    run.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"], help="SQLite fsync level of the update log")
    run.add_argument("--max-backoff", type=float, default=5.0, help="longest wait in seconds between reconnect attempts")
    run.add_argument("--chat", action="store_true", help="also open the terminal chat")

    hub = sub.add_parser("hub", help="run a standalone centre: the sync endpoint, follow-ups into the CRM store")
    hub.add_argument("--host", default="127.0.0.1")
    hub.add_argument("--port", type=int, default=8000)
    hub.add_argument("--data-dir", type=Path, default=None, help="where the hub keeps its log (default: <TESSERA_DATA_DIR>/edge-hub)")
    hub.add_argument("--crm-url", default=None, help="the CRM store URL (default: Tessera's configured store)")
    hub.add_argument("--webhook-url", default=None, help="where insurance-claim follow-ups are POSTed")
    hub.add_argument("--account-id", type=int, default=None, help="CRM account for cases from nodes without their own")
    hub.add_argument("--node-account", action="append", default=[], metavar="NODE=ACCOUNT", help="CRM account of one node's site")
    hub.add_argument("--opened-by", type=int, default=None, help="CRM user id that edge cases are opened as")
    hub.add_argument("--retry-base", type=float, default=1.0, help="first webhook retry delay in seconds (doubles each time)")
    hub.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"])

    chat = sub.add_parser("chat", help="chat with a running node in the terminal")
    chat.add_argument("--host", default="127.0.0.1")
    chat.add_argument("--port", type=int, default=8100)
    return parser


def _run(args) -> int:
    import uvicorn

    from edge_agent.api import create_app
    from edge_agent.node import EdgeNode

    data_dir = args.data_dir or _settings_data_dir() / "edge" / args.node_id
    node = EdgeNode(args.node_id, data_dir, args.central, synchronous=args.synchronous, max_backoff_s=args.max_backoff)
    for name, why in node.capabilities.refused.items():
        print(f"capability {name} refused: {why}", file=sys.stderr)
    server = uvicorn.Server(uvicorn.Config(create_app(node), host=args.host, port=args.port, log_level=args.log_level,
                                           ws="none", lifespan="on"))
    if args.chat:
        threading.Thread(target=_chat_when_ready, args=(server, args.host, args.port), daemon=True).start()
    server.run()
    return 0


def _hub(args) -> int:
    import uvicorn
    from fastapi import FastAPI

    from crm.store import Store
    from edge_agent.followups import FollowupConfig, Followups
    from edge_agent.hub import EdgeHub, edge_router

    crm_url = args.crm_url or _settings().store_url
    config = FollowupConfig(
        webhook_url=args.webhook_url, default_account_id=args.account_id, opened_by=args.opened_by,
        accounts={node: int(account) for node, account in (item.split("=", 1) for item in args.node_account)},
        retry_base_s=args.retry_base,
    )
    hub = EdgeHub(args.data_dir or _settings_data_dir() / "edge-hub", Followups(Store(crm_url), config), synchronous=args.synchronous)
    app = FastAPI(title="Tessera edge hub")
    app.include_router(edge_router(hub))
    uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level,
                                  ws_max_size=WS_MAX_BYTES, lifespan="on")).run()
    return 0


def _chat(args) -> int:
    from edge_agent.chat import remote_reply, repl

    repl(remote_reply(f"http://{args.host}:{args.port}"))
    return 0


def _chat_when_ready(server, host: str, port: int) -> None:
    from edge_agent.chat import remote_reply, repl

    while not server.started:
        time.sleep(0.05)
    repl(remote_reply(f"http://{host}:{port}"))
    server.should_exit = True


def _settings():
    from tessera.settings import Settings

    return Settings()


def _settings_data_dir() -> Path:
    return Path(_settings().data_dir)


if __name__ == "__main__":
    sys.exit(main())
