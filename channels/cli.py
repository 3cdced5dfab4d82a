"""The channels' commands: `tessera serve`, `chat` and `trace`; `tokens`, `identities` and `slack` groups."""
from __future__ import annotations

from typing import Annotated

import typer

from tessera.cli_kit import CommandGroup, bad_usage, current, emit, fail, make_table

tokens = CommandGroup(help="API tokens: `tokens issue LOGIN` (printed once; only its hash is kept), `tokens revoke`.")
identities = CommandGroup(help="Who is who on Slack, WeCom and the web: `identities link|seed|list`.")
slack = CommandGroup(help="Slack without a public URL: `slack socket`.")


def register(app: typer.Typer) -> None:
    app.command("serve", rich_help_panel="Talk to Tessera")(serve)
    app.command("chat", rich_help_panel="Talk to Tessera")(chat)
    app.command("trace", rich_help_panel="Talk to Tessera")(trace)
    app.add_typer(tokens, name="tokens", rich_help_panel="Who may call")
    app.add_typer(identities, name="identities", rich_help_panel="Who may call")
    app.add_typer(slack, name="slack", rich_help_panel="Who may call")
    from channels import cli_prompts  # the prompt registry's commands, registered through this channel's hook

    cli_prompts.register(app)


def serve(host: Annotated[str, typer.Option(help="default: TESSERA_API_HOST")] = "",
          port: Annotated[int | None, typer.Option(min=1, max=65535, help="default: TESSERA_API_PORT")] = None,
          workers: Annotated[int | None, typer.Option(min=1, max=64, help="worker processes, default: "
                                                             "TESSERA_WORKERS (several need PostgreSQL as the store "
                                                             "to share state)")] = None) -> None:
    """Start the HTTP API, the web pages, Slack and WeCom when configured, and the edge hub (migrates and seeds the
    store on first run)."""
    import os

    import uvicorn

    from tessera.settings import env_name

    state = current()
    host, port = host or state.settings.api_host, port or state.settings.api_port
    workers = workers or state.settings.workers
    if workers > 1:
        if not state.settings.store_url.startswith("postgresql"):
            bad_usage("several workers share conversations, approvals and locks through PostgreSQL: set "
                      "TESSERA_DATABASE_URL=postgresql://... (SQLite serves one worker)")
        from tessera.runtime import Tessera

        starting = Tessera(state.settings)  # migrate and seed once, before the workers start
        starting.deal_scores.model()  # and train the deal scores if none are saved: each worker loads them
        starting.close()
        from tessera.observability import share_metrics_between_workers

        metrics_dir = share_metrics_between_workers(state.settings.data_dir / "prometheus")
        print(f"Tessera on http://{host}:{port} with {workers} workers (API docs at /docs; /metrics counts all "
              f"workers, kept in {metrics_dir})")
        os.environ[env_name("workers")] = str(workers)  # each worker reads its settings anew (channels/asgi.py)
        uvicorn.run("channels.asgi:create_server", factory=True, host=host, port=port, workers=workers,
                    log_level=state.log_level.value)
        return
    from channels.starting import StartingServer

    def build():  # in a thread, while /health already answers "starting" (channels/starting.py)
        from channels.http_api import create_app
        from channels.auth import admin_check
        from edge_agent.centre import mount_edge_hub

        tessera = state.runtime()
        app = create_app(tessera)
        mount_edge_hub(app, tessera, admin=admin_check(tessera.store))
        tessera.reminders.start()  # due reminders go out through Slack or WeCom, each once
        tessera.notes.start(state.settings.repday.index_poll_seconds)  # vector memory catches up in the background
        tessera.pruner.start()  # threads idle past TESSERA_THREADS__RETENTION_DAYS, when set
        tessera.deal_scores.warm()  # a saved deal-score model, loaded now rather than by the first deal list
        return app

    server = StartingServer(build)  # the assistant closes with the command (CliState.close)
    print(f"Tessera on http://{host}:{port} (API docs at /docs; /ready answers 200 once it takes turns)")
    uvicorn.run(server, host=host, port=port, log_level=state.log_level.value)
    if server.failed is not None:
        fail(f"tessera serve could not start: {type(server.failed).__name__}: {server.failed}")


def chat(who: Annotated[str, typer.Option("--as", help="LOGIN or ROLE:LOGIN, e.g. rep:li.wei")],
         thread: Annotated[str, typer.Option(help="the conversation to continue")] = "terminal") -> int:
    """Chat in the terminal as a user (/trace shows why, /quit leaves)."""
    from channels.terminal import run_chat

    role, _, login = who.rpartition(":")
    tessera = current().runtime()
    actor = tessera.actor(login)
    if role and actor.role != role:
        bad_usage(f"{login} is a {actor.role}, not a {role}")
    return run_chat(tessera, login, thread)


def trace(turn_id: Annotated[str, typer.Argument(help="the turn id a reply names (`trace_url`)")]) -> None:
    """Show why a turn did what it did: the agent, each model call with its reason, each tool with its result."""
    from channels.terminal import trace_lines
    from memory.traces import TraceLog

    found = TraceLog(current().store()).get(turn_id)
    if found is None:
        raise LookupError(f"no turn with id '{turn_id}'")
    emit({c.name: getattr(found, c.name) for c in found.__table__.columns}, lambda _: trace_lines(found))


@tokens.command("issue")
def issue(login: str, label: Annotated[str, typer.Option(help="a note of where the token is used")] = "cli",
          ttl: Annotated[str, typer.Option(help="lifetime: 90m, 12h, 30d, 2w (default: TESSERA_AUTH__TOKEN_TTL_DAYS)")]
          = "",
          scope: Annotated[list[str], typer.Option(help="chat, privacy, units, approvals or admin; repeat for several "
                                                        "(default: all the user's role may hold but admin)")] = None
          ) -> None:
    """Issue an API token for LOGIN; it is printed once (only its hash is stored). It expires, and works only for
    its scopes; a customer can hold only chat and privacy."""
    from channels.auth import SCOPES, issue_token, parse_ttl

    unknown = [s for s in scope or [] if s not in SCOPES]
    if unknown:
        bad_usage(f"unknown scope '{unknown[0]}'; scopes are {', '.join(SCOPES)}")
    try:
        lifetime = parse_ttl(ttl) if ttl else None
    except ValueError as exc:
        bad_usage(str(exc))
    state = current()
    with state.store().session() as s:
        token = issue_token(s, login, label=label, scopes=scope or None, ttl=lifetime, auth=state.settings.auth)
    emit({"login": login, "token": token}, lambda d: d["token"])


@tokens.command("revoke")
def revoke(login: str) -> None:
    """Revoke every live token of LOGIN."""
    from channels.auth import revoke_tokens

    with current().store().session() as s:
        count = revoke_tokens(s, login)
    emit({"login": login, "revoked": count}, lambda d: f"revoked {d['revoked']} token(s) of {d['login']}")


@identities.command("disable")
def disable(login: str) -> None:
    """Close LOGIN: refused on every channel from now on, and every token of theirs revoked."""
    from channels.auth import disable_user

    with current().store().session() as s:
        count = disable_user(s, login)
    emit({"login": login, "disabled": True, "revoked": count},
         lambda d: f"{d['login']} is disabled; {d['revoked']} token(s) revoked")


@identities.command("link")
def link(channel: Annotated[str, typer.Argument(help="slack, wecom or web")], external_id: str, login: str) -> None:
    """Let an outside account speak as LOGIN, e.g. `identities link slack U04ABCD li.wei`."""
    from channels.identities import CHANNELS, link as link_identity

    if channel not in CHANNELS:
        bad_usage(f"unknown channel '{channel}'; use one of {', '.join(CHANNELS)}")
    with current().store().session() as s:
        link_identity(s, channel, external_id, login)
    emit({"channel": channel, "external_id": external_id, "login": login},
         lambda d: f"{d['channel']} {d['external_id']} now speaks as {d['login']}")


@identities.command("seed")
def seed_identities() -> None:
    """Link the demo users to made-up Slack and WeCom ids (idempotent)."""
    from crm.seed import seed_identities

    with current().store().session() as s:
        added = seed_identities(s)
    emit({"linked": added}, lambda d: f"linked {d['linked']} new channel account(s)")


@identities.command("list")
def list_identities() -> None:
    """List the links: channel, outside id, login and role."""
    from sqlalchemy import select

    from crm.identities import ChannelIdentity
    from crm.models import User

    with current().store().session() as s:
        rows = [{"channel": c, "external_id": e, "login": login, "role": role} for c, e, login, role in s.execute(
            select(ChannelIdentity.channel, ChannelIdentity.external_id, User.login, User.role)
            .join(User, User.id == ChannelIdentity.user_id).order_by(ChannelIdentity.channel, User.login))]
    emit(rows, lambda r: make_table(f"{len(r)} linked account(s)", ("channel", "outside id", "login", "role"),
                                    [tuple(x.values()) for x in r]))


@slack.command("socket")
def socket() -> None:
    """Answer Slack over Socket Mode (no public URL; needs the app-level and bot tokens)."""
    from slack_sdk import WebClient

    from channels.mount import default_resume
    from channels.slack_app import create_slack_app, run_socket_mode

    state = current()
    settings = state.settings.slack
    if not (settings.app_token and settings.bot_token):
        bad_usage("set TESSERA_SLACK__APP_TOKEN (xapp-...) and TESSERA_SLACK__BOT_TOKEN (xoxb-...)")
    tessera = state.runtime()
    bolt = create_slack_app(tessera, signing_secret=settings.signing_secret or "socket-mode-unused",
                            client=WebClient(token=settings.bot_token, base_url=settings.api_url),
                            resume_approval=default_resume(tessera), command=settings.command)
    print("Tessera is answering Slack over Socket Mode; Ctrl-C stops it")
    run_socket_mode(bolt, settings.app_token)
