"""`tessera tokens ...` and `tessera identities ...`: API tokens and channel account links, from the shell."""
from __future__ import annotations

import argparse
import sys

from sqlalchemy import select

from channels.auth import issue_token, revoke_tokens
from channels.identities import CHANNELS, ChannelIdentity, link, seed_channels
from crm.models import User
from crm.store import Store
from tessera.migrate import migrate
from tessera.settings import Settings


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tessera", description="API tokens and channel identities.")
    sub = p.add_subparsers(dest="group", required=True)
    tokens = sub.add_parser("tokens", help="API tokens").add_subparsers(dest="action", required=True)
    issue = tokens.add_parser("issue", help="issue a token for LOGIN (printed once; only its hash is stored)")
    issue.add_argument("login")
    issue.add_argument("--label", default="cli")
    tokens.add_parser("revoke", help="revoke every token of LOGIN").add_argument("login")
    ids = sub.add_parser("identities", help="who is who on Slack, WeCom and the web").add_subparsers(
        dest="action", required=True)
    ln = ids.add_parser("link", help="let an outside account speak as LOGIN, e.g. `link slack U04ABCD li.wei`")
    ln.add_argument("channel", choices=CHANNELS)
    ln.add_argument("external_id")
    ln.add_argument("login")
    ids.add_parser("seed", help="link the demo users to made-up Slack and WeCom ids (idempotent)")
    ids.add_parser("list", help="list the links")
    slack = sub.add_parser("slack", help="Slack").add_subparsers(dest="action", required=True)
    slack.add_parser("socket", help="answer Slack over Socket Mode (no public URL; needs the app-level token)")
    return p


def main(argv: list[str] | None = None, settings: Settings | None = None, out=sys.stdout) -> int:
    args = parser().parse_args(argv)
    settings = settings or Settings()
    if args.group == "slack":
        return _socket_mode(settings)
    store = Store(settings.store_url)
    try:
        migrate(store)
        with store.session() as s:
            return _run(s, args, out)
    except LookupError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        store.dispose()


def _run(s, args, out) -> int:
    if (args.group, args.action) == ("tokens", "issue"):
        print(issue_token(s, args.login, label=args.label), file=out)
    elif (args.group, args.action) == ("tokens", "revoke"):
        print(f"revoked {revoke_tokens(s, args.login)} token(s) of {args.login}", file=out)
    elif args.action == "link":
        link(s, args.channel, args.external_id, args.login)
        print(f"{args.channel} {args.external_id} now speaks as {args.login}", file=out)
    elif args.action == "seed":
        print(f"linked {seed_channels(s)} new channel account(s)", file=out)
    else:
        rows = s.execute(select(ChannelIdentity.channel, ChannelIdentity.external_id, User.login, User.role)
                         .join(User, User.id == ChannelIdentity.user_id).order_by(ChannelIdentity.channel, User.login))
        for channel, external_id, login, role in rows:
            print(f"{channel:6} {external_id:24} {login} ({role})", file=out)
    return 0


def _socket_mode(settings: Settings) -> int:
    from slack_sdk import WebClient

    from channels.mount import default_resume
    from channels.slack_app import create_slack_app, run_socket_mode
    from tessera.runtime import Tessera

    slack = settings.slack
    if not (slack.app_token and slack.bot_token):
        print("set TESSERA_SLACK__APP_TOKEN (xapp-...) and TESSERA_SLACK__BOT_TOKEN (xoxb-...)",
              file=sys.stderr)
        return 2
    tessera = Tessera(settings)
    bolt = create_slack_app(tessera, signing_secret=slack.signing_secret or "socket-mode-unused",
                            client=WebClient(token=slack.bot_token, base_url=slack.api_url),
                            resume_approval=default_resume(tessera), command=slack.command)
    print("Tessera is answering Slack over Socket Mode; Ctrl-C stops it")
    run_socket_mode(bolt, slack.app_token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
