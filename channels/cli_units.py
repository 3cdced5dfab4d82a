"""`tessera units ...`: the boundary dashboard, the template library, cloning a template, replaying a contract, and the
discount reads (a check against the contract, past decisions, competitor prices), through the same domain services as
the units API (`channels/http_units.py`)."""
from __future__ import annotations

import datetime as dt
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
import yaml

from rich.table import Table

from tessera.cli_kit import CommandGroup, bad_usage, current, emit, make_table

units = CommandGroup(help="Autonomous sales units and their contracts: "
                          "`units status|templates|clone|replay|check-discount|decisions|competitor-prices`.")
As = Annotated[str, typer.Option("--as", help="the login acting (default: admin)")]
Today = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD (default: today)")]
Unit = Annotated[str, typer.Option(help="the unit's code, e.g. east-smb")]


class Closest(str, Enum):
    margin = "margin"
    acquisition_cost = "acquisition_cost"
    cycle_time = "cycle_time"
    budget = "budget"


def register(app: typer.Typer) -> None:
    app.add_typer(units, name="units", rich_help_panel="Capabilities")


@units.command("status")
def status(unit: Annotated[str | None, typer.Option(help="one unit's code (default: every unit you may see)")] = None,
           by: Annotated[Closest, typer.Option(help="which limit to sort by")] = Closest.margin,
           who: As = "admin", today: Today = None) -> None:
    """Per unit: distance from each limit, budgets, decisions and escalations."""
    from crm.autonomy.dashboard import boundary_status

    with current().store().session() as s:
        data = boundary_status(s, _actor(s, who), today=_day(today), unit=unit, closest_by=by.value)
    emit(data, lambda d: _status_view(d, by.value))


@units.command("templates")
def templates() -> None:
    """List the contract templates and their parameters (* required)."""
    from crm.autonomy.catalog import list_templates

    found = list_templates()
    emit(found, lambda ts: make_table(f"{len(ts)} autonomy contract templates", ("template", "title", "parameters"), [
        (t["template"], t["title"], ", ".join(f"{k}*" if v is None else f"{k}={v}" for k, v in t["parameters"].items()))
        for t in ts]))


@units.command("clone")
def clone(unit: Unit, template: Annotated[str, typer.Option(help="a template name (`units templates`)")],
          param: Annotated[list[str] | None, typer.Option(metavar="KEY=VALUE", help="a template parameter (repeat)")]
          = None, who: As = "admin") -> None:
    """Give a unit a new contract version made from a template."""
    from crm.autonomy.catalog import clone_template

    params = {}
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep:
            bad_usage(f"--param takes KEY=VALUE, got '{item}'")
        params[key.strip()] = yaml.safe_load(value)
    with current().store().session() as s:
        stored = clone_template(s, unit, template, params, _actor(s, who))
    emit({k: stored[k] for k in ("unit", "version", "template")},
         lambda d: f"{d['unit']} now runs contract version {d['version']} from template {d['template']}")


@units.command("replay")
def replay(unit: Unit,
           contract: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="the proposed contract, YAML")],
           days: Annotated[int, typer.Option(min=1, help="how many days back to decide again")] = 30,
           who: As = "admin", today: Today = None) -> None:
    """Decide the last N days again under a proposed contract and compare (writes nothing)."""
    from crm.autonomy.replay import replay as replay_contract

    now = dt.datetime.combine(_day(today), dt.time(23, 59))
    with current().store().session() as s:
        report = replay_contract(s, _actor(s, who), unit=unit, contract_text=contract.read_text(encoding="utf-8"),
                                 days=days, now=now)
    emit(report, lambda r: _replay_view(r, days))


class Outcome(str, Enum):
    accept = "accept"
    reject = "reject"
    needs_evidence = "needs_evidence"
    escalated = "escalated"


class Kind(str, Enum):
    discount = "discount"
    quote = "quote"


@units.command("check-discount")
def check_discount_command(
        deal: Annotated[str, typer.Option(help="the deal: its id like D-1042, or words of its title")],
        percent: Annotated[float | None, typer.Option(help="the discount asked about, between 0 and 100 "
                                                                   "(default: the most allowed)")]
        = None,
        promised_on: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"],
                                                                help="the delivery date promised")] = None,
        who: As = "admin", today: Today = None) -> None:
    """What the unit's contract would answer to a discount on a deal, or the most it allows; writes nothing."""
    from crm.autonomy.dry_run import check_discount

    state = current()
    with state.store().session() as s:
        actor = _actor(s, who)
    now = dt.datetime.combine(_day(today), dt.time(12)) if today else dt.datetime.now()
    view = check_discount(state.store(), actor, deal=deal, percent=percent,
                          promised_on=promised_on.date() if promised_on else None, now=now)
    emit(view, _check_view)


@units.command("decisions")
def decisions(deal: Annotated[str | None, typer.Option(help="one deal: its id or words of its title")] = None,
              account: Annotated[str | None, typer.Option(help="only this account's deals")] = None,
              outcome: Annotated[Outcome | None, typer.Option(help="only decisions with this outcome")] = None,
              mine: Annotated[bool, typer.Option(help="only the requests the --as user made")] = False,
              kind: Annotated[Kind, typer.Option(help="discount requests or quote approvals")] = Kind.discount,
              limit: Annotated[int, typer.Option(min=1, max=100)] = 20, who: As = "admin") -> None:
    """Discount (or quote) decisions already taken on the deals of the --as user's units, newest first."""
    from crm.autonomy.past_decisions import past_decisions

    with current().store().session() as s:
        items, total, about = past_decisions(s, _actor(s, who), deal=deal, account=account, kind=kind.value,
                                             outcome=outcome.value if outcome else None, mine=mine, limit=limit)
    emit({"items": items, "total": total, "about": about}, _decisions_view)


@units.command("competitor-prices")
def competitor_prices_command(product: Annotated[str | None, typer.Option(help="only this product of ours")] = None,
                              competitor: Annotated[str | None, typer.Option(help="only this competitor")] = None,
                              who: As = "admin") -> None:
    """The competitor prices recorded by the units the --as user sees, by product and region."""
    from crm.autonomy.competitors import competitor_prices

    with current().store().session() as s:
        items, about = competitor_prices(s, _actor(s, who), product=product, competitor=competitor)
    emit({"items": items, "total": len(items), "about": about}, _prices_view)


def _actor(session, login: str):
    from sqlalchemy import select

    from crm.actor import Actor
    from crm.models import User

    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise LookupError(f"no Tessera user with login '{login}'")
    return Actor(user_id=user.id, login=user.login, role=user.role, unit_id=user.unit_id, language=user.language)


def _day(today: dt.datetime | None) -> dt.date:
    return today.date() if today else dt.date.today()


def _status_view(status: dict, by: str) -> list:
    rows = []
    for u in status["units"]:
        m = {x["metric"]: x for x in u["metrics"]}
        budget = next((b for b in u["budgets"] if b["pool"] == "discount"), {})
        rows.append((u["unit"], u["contract"] or "-", _pair(m.get("margin"), "%"), _room(m.get("margin")),
                     _pair(m.get("acquisition_cost")), _pair(m.get("cycle_time"), " d"),
                     f"{budget.get('used', 0):,.0f} / {budget.get('left', 0):,.0f}",
                     ", ".join(f"{k} {v}" for k, v in sorted(u["decisions"].items())) or "-",
                     f"{u['escalations']['pending']} pending", u["red_line_breaches"]))
    table = make_table(f"Autonomy boundaries {status['window']} (nearest to the {by} limit first)",
                       ("unit", "contract", "margin / floor", "room", "acq. cost / ceiling", "cycle / ceiling",
                        "discount used / left", "decisions", "escalations", "breaches"), rows)
    return [table, f"closest to the {by} limit: {status['closest']}"] if status["closest"] else [table]


def _pair(metric: dict | None, suffix: str = "") -> str:
    if not metric or metric["value"] is None:
        return "-"
    return f"{metric['value']:,.1f}{suffix} / {metric['limit']:,.1f}{suffix}" if metric["limit"] is not None else \
        f"{metric['value']:,.1f}{suffix}"


def _room(metric: dict | None) -> str:
    return "-" if not metric or metric["distance"] is None else f"{metric['distance']:+.1f} {metric['unit']}"


def _replay_view(report: dict, days: int) -> list:
    rows = []
    for label in ("before", "after"):
        r = report[label]
        margin = f"{r['average_accepted_margin']:.1%}" if r["average_accepted_margin"] is not None else "-"
        rows.append((label, ", ".join(f"{k} {v}" for k, v in sorted(r["outcomes"].items())) or "-",
                     f"{r['booked']:,.2f}", margin))
    table = make_table(f"Replay of {report['requests']} request(s) of {report['unit']}, last {days} days",
                       ("", "outcomes", "booked", "average accepted margin"), rows)
    return [table, *(f"{c['decision']} {c['deal']} {c['percent']:g}%: {c['before']} -> {c['after']} "
                     f"({c['rule'] or 'ok'})" for c in report["changed"])]


def _check_view(view: dict) -> list:
    limits = view["limits"]
    asked = "the most allowed" if view["asked"] is None else f"{view['asked']:g}%"
    lines = [f"{view['deal']} ({view['unit']}, contract v{view['contract_version']}), {asked}: {view['outcome']} "
             f"at {view['percent']:g}%" + (f" by rule {view['rule']}" if view["rule"] else ""),
             f"the most the contract and the deal allow: {limits['most_percent']:g}% ({limits['why']})",
             *(f"- {reason}" for reason in view["reasons"])]
    if view["missing_evidence"]:
        lines.append("evidence still missing: " + "; ".join(view["missing_evidence"]))
    if view["escalate_to"]:
        lines.append(f"would go to {view['escalate_to']} for approval")
    return ["\n".join(lines), "nothing was requested or booked"]


def _decisions_view(found: dict) -> Table | str:
    if not found["items"]:
        return "no decisions match"
    columns = ("decision", "deal", "account", "percent", "outcome", "decided_by", "decided_at", "requested_by", "why")
    return make_table(f"{len(found['items'])} of {found['total']} decision(s), newest first",
                      [c.replace("_", " ") for c in columns],
                      [[item[c] if item[c] is not None else "-" for c in columns] for item in found["items"]])


def _prices_view(found: dict) -> Table | str:
    if not found["items"]:
        return "no competitor prices recorded"
    return make_table(f"{found['total']} competitor price(s)",
                      ("unit", "product", "region", "competitor", "price", "our list price", "below ours", "recorded"),
                      [(p["unit"], p["product"], p["region"], p["competitor"] or "-", f"{p['price']:,.2f}",
                        f"{p['our_list_price']:,.2f}", p["below_ours"] or "-",
                        f"{p['recorded_on']} by {p['recorded_by']}") for p in found["items"]])
