"""`tessera units ...`: the boundary dashboard, the template library, cloning a template, replaying a contract."""
from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from crm.actor import Actor
from crm.autonomy.catalog import clone_template, list_templates
from crm.autonomy.dashboard import boundary_status
from crm.autonomy.replay import replay
from crm.models import User
from crm.store import Store


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(_strip(argv))
    if args.command == "templates":
        return _templates(args)
    store = Store(args.database_url or _default_url())
    try:
        with store.session() as s:
            actor = _actor(s, args.who)
            return COMMANDS[args.command](s, actor, args)
    except (LookupError, PermissionError, ValueError) as exc:
        Console(stderr=True).print(f"[red]{exc}[/red]")
        return 1
    finally:
        store.dispose()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tessera units", description="Autonomous sales units and their contracts.")
    _common_options(parser)
    common = argparse.ArgumentParser(add_help=False)  # the same options after the command: `status --json`
    _common_options(common, default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True)
    status = sub.add_parser("status", parents=[common], help="per unit: distance from each limit, budgets, decisions")
    status.add_argument("--unit", default=None)
    status.add_argument("--by", default="margin", choices=("margin", "acquisition_cost", "cycle_time", "budget"))
    sub.add_parser("templates", parents=[common], help="list the contract templates and their parameters")
    clone = sub.add_parser("clone", parents=[common], help="give a unit a new contract version from a template")
    clone.add_argument("--unit", required=True)
    clone.add_argument("--template", required=True)
    clone.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="a template parameter")
    rep = sub.add_parser("replay", parents=[common],
                         help="decide the last N days again under a proposed contract (writes nothing)")
    rep.add_argument("--unit", required=True)
    rep.add_argument("--contract", required=True, type=Path, help="the proposed contract, a YAML file")
    rep.add_argument("--days", type=int, default=30)
    return parser


def _common_options(parser: argparse.ArgumentParser, default=None) -> None:
    parser.add_argument("--as", dest="who", default="admin" if default is None else default,
                        help="the login acting (default: admin)")
    parser.add_argument("--database-url", default=default, help="the store (default: from Tessera's settings)")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=default, help="YYYY-MM-DD (default: today)")
    parser.add_argument("--json", action="store_true", default=False if default is None else default,
                        help="print JSON instead of tables")


def _strip(argv: list[str] | None) -> list[str] | None:
    return argv[1:] if argv and argv[0] == "units" else argv


def _default_url() -> str:
    from tessera.settings import Settings  # the adapter reads settings; the domain never does

    return Settings().store_url


def _actor(session, login: str) -> Actor:
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise LookupError(f"no Tessera user with login '{login}'")
    return Actor(user_id=user.id, login=user.login, role=user.role, unit_id=user.unit_id, language=user.language)


def _today(args) -> dt.date:
    return args.today or dt.date.today()


def _status(session, actor: Actor, args) -> int:
    status = boundary_status(session, actor, today=_today(args), unit=args.unit, closest_by=args.by)
    if args.json:
        print(json.dumps(status, ensure_ascii=False, default=str))
        return 0
    table = Table(title=f"Autonomy boundaries {status['window']} (nearest to the {args.by} limit first)")
    for col in ("unit", "contract", "margin / floor", "room", "acq. cost / ceiling", "cycle / ceiling",
                "discount used / left", "decisions", "escalations", "breaches"):
        table.add_column(col)
    for u in status["units"]:
        m = {x["metric"]: x for x in u["metrics"]}
        budget = next((b for b in u["budgets"] if b["pool"] == "discount"), {})
        table.add_row(u["unit"], u["contract"] or "-", _pair(m.get("margin"), "%"), _room(m.get("margin")),
                      _pair(m.get("acquisition_cost")), _pair(m.get("cycle_time"), " d"),
                      f"{budget.get('used', 0):,.0f} / {budget.get('left', 0):,.0f}",
                      ", ".join(f"{k} {v}" for k, v in sorted(u["decisions"].items())) or "-",
                      f"{u['escalations']['pending']} pending", str(u["red_line_breaches"]))
    Console(width=200).print(table)
    if status["closest"]:
        print(f"closest to the {args.by} limit: {status['closest']}")
    return 0


def _pair(metric: dict | None, suffix: str = "") -> str:
    if not metric or metric["value"] is None:
        return "-"
    return f"{metric['value']:,.1f}{suffix} / {metric['limit']:,.1f}{suffix}" if metric["limit"] is not None else \
        f"{metric['value']:,.1f}{suffix}"


def _room(metric: dict | None) -> str:
    return "-" if not metric or metric["distance"] is None else f"{metric['distance']:+.1f} {metric['unit']}"


def _templates(args) -> int:
    templates = list_templates()
    if args.json:
        print(json.dumps(templates, ensure_ascii=False))
        return 0
    table = Table(title=f"{len(templates)} autonomy contract templates")
    for col in ("template", "title", "parameters (* required)"):
        table.add_column(col)
    for t in templates:
        params = ", ".join(f"{k}*" if v is None else f"{k}={v}" for k, v in t["parameters"].items())
        table.add_row(t["template"], t["title"], params)
    Console(width=200).print(table)
    return 0


def _clone(session, actor: Actor, args) -> int:
    params = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--param takes KEY=VALUE, got '{item}'")
        params[key.strip()] = yaml.safe_load(value)
    stored = clone_template(session, args.unit, args.template, params, actor)
    print(json.dumps({k: stored[k] for k in ("unit", "version", "template")}, ensure_ascii=False))
    return 0


def _replay(session, actor: Actor, args) -> int:
    now = dt.datetime.combine(_today(args), dt.time(23, 59))
    report = replay(session, actor, unit=args.unit, contract_text=args.contract.read_text(encoding="utf-8"),
                    days=args.days, now=now)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, default=str))
        return 0
    table = Table(title=f"Replay of {report['requests']} request(s) of {report['unit']}, last {args.days} days")
    for col in ("", "outcomes", "booked", "average accepted margin"):
        table.add_column(col)
    for label in ("before", "after"):
        r = report[label]
        margin = f"{r['average_accepted_margin']:.1%}" if r["average_accepted_margin"] is not None else "-"
        table.add_row(label, ", ".join(f"{k} {v}" for k, v in sorted(r["outcomes"].items())) or "-",
                      f"{r['booked']:,.2f}", margin)
    Console(width=200).print(table)
    for c in report["changed"]:
        print(f"{c['decision']} {c['deal']} {c['percent']:g}%: {c['before']} -> {c['after']} ({c['rule'] or 'ok'})")
    return 0


COMMANDS = {"status": _status, "clone": _clone, "replay": _replay}


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
