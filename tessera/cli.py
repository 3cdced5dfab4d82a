"""The `tessera` command: serve, chat, seed, migrate, trace, eval, and the edge node."""
from __future__ import annotations

import argparse
import json
import sys

from tessera.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tessera", description="Tessera, the AI-native CRM assistant.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="start the HTTP API (migrates and seeds the store on first run)")
    chat = sub.add_parser("chat", help="chat in the terminal")
    chat.add_argument("--as", dest="who", required=True, help="ROLE:LOGIN or LOGIN, e.g. rep:li.wei")
    chat.add_argument("--thread", default="terminal")
    sub.add_parser("seed", help="seed the demo company (a no-op when already seeded)")
    sub.add_parser("migrate", help="bring the store's schema up to date")
    trace = sub.add_parser("trace", help="show why a turn did what it did")
    trace.add_argument("turn_id")
    ev = sub.add_parser("eval", help="run the eval scenarios against a model")
    ev.add_argument("--model", default="tessera/offline", help="any LiteLLM model string")
    ev.add_argument("--only", default=None, help="run scenarios whose id contains this text")
    ev.add_argument("--floor", type=float, default=None, help="fail when tool-choice accuracy is below this")
    for name, text in PASS_THROUGH_HELP.items():
        sub.add_parser(name, help=text, add_help=False).add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    return COMMANDS[args.command](args, Settings())


def _serve(args, settings: Settings) -> int:
    import uvicorn

    from channels.http_api import create_app
    from tessera.runtime import Tessera

    tessera = Tessera(settings)
    app = create_app(tessera)
    mount_edge_hub(app, tessera)
    print(f"Tessera on http://{settings.api_host}:{settings.api_port} (API docs at /docs)")
    uvicorn.run(app, host=settings.api_host, port=settings.api_port, log_level="info")
    return 0


def mount_edge_hub(app, tessera) -> None:
    """The centre side of edge sync at /v1/edge: edge records become CRM cases and webhooks, exactly once."""
    from edge_agent.followups import FollowupConfig, Followups
    from edge_agent.hub import EdgeHub, edge_router

    settings = tessera.settings
    edge = settings.edge
    config = FollowupConfig(webhook_url=edge.webhook_url or None, accounts=edge.accounts,
                            opened_by=tessera.actor(edge.service_login).user_id)
    app.include_router(edge_router(EdgeHub(settings.data_dir / "edge-hub", Followups(tessera.store, config))))


def _chat(args, settings: Settings) -> int:
    from channels.terminal import run_chat
    from tessera.runtime import Tessera

    login = args.who.split(":", 1)[-1]
    tessera = Tessera(settings)
    expected_role = args.who.split(":", 1)[0] if ":" in args.who else None
    actor = tessera.actor(login)
    if expected_role and actor.role != expected_role:
        print(f"{login} is a {actor.role}, not a {expected_role}", file=sys.stderr)
        return 2
    return run_chat(tessera, login, args.thread)


def _seed(args, settings: Settings) -> int:
    from crm.store import Store
    from tessera.migrate import migrate
    from tessera.seeding import seed_everything

    store = Store(settings.store_url)
    migrate(store)
    with store.session() as s:
        report = seed_everything(s)
    print(json.dumps(report.__dict__, ensure_ascii=False, default=str))
    return 0


def _migrate(args, settings: Settings) -> int:
    from crm.store import Store
    from tessera.migrate import migrate

    migrate(Store(settings.store_url))
    print(f"store at {settings.store_url} is up to date")
    return 0


def _trace(args, settings: Settings) -> int:
    from crm.store import Store
    from memory.traces import TraceLog

    found = TraceLog(Store(settings.store_url)).get(args.turn_id)
    if found is None:
        print(f"no turn with id '{args.turn_id}'", file=sys.stderr)
        return 1
    print(json.dumps({c.name: getattr(found, c.name) for c in found.__table__.columns}, ensure_ascii=False,
                     indent=2, default=str))
    return 0


def _eval(args, settings: Settings) -> int:
    from evals.runner import run_cli

    return run_cli(model=args.model, only=args.only, floor=args.floor)


def _edge(args, settings: Settings) -> int:
    from edge_agent.cli import main as edge_main

    return edge_main(args.args)


def _units(args, settings: Settings) -> int:
    from crm.autonomy.cli import main as units_main

    return units_main(args.args)


def _privacy(args, settings: Settings) -> int:
    from crm.privacy.cli import main as privacy_main

    return privacy_main([args.command, *args.args], settings=settings)


def _channels(args, settings: Settings) -> int:
    from channels.cli import main as channels_main

    return channels_main([args.command, *args.args], settings)


PASS_THROUGH_HELP = {
    "edge": "the edge node and its sync hub: `edge run`, `edge hub`, `edge chat`",
    "units": "autonomous sales units: `units status`, `units templates`, `units clone`, `units replay`",
    "privacy": "data-subject rights: `privacy audit`, `privacy export --customer LOGIN`, `privacy erase ...`",
    "audit": "the tamper-evident audit log: `audit verify`",
    "tokens": "API tokens: `tokens issue LOGIN`, `tokens revoke LOGIN`",
    "identities": "who is who on Slack, WeCom and the web: `identities seed`, `identities link CHANNEL ID LOGIN`",
    "slack": "answer Slack over Socket Mode: `slack socket`",
}
COMMANDS = {"serve": _serve, "chat": _chat, "seed": _seed, "migrate": _migrate, "trace": _trace, "eval": _eval,
            "edge": _edge, "units": _units, "privacy": _privacy, "audit": _privacy, "tokens": _channels,
            "identities": _channels, "slack": _channels}

if __name__ == "__main__":
    sys.exit(main())
