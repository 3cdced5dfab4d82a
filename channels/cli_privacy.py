"""`tessera privacy audit|export|erase` and `tessera audit verify`: data-subject rights and the audit log from the
shell, through the same domain services as the privacy API (`channels/http_privacy.py`)."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from tessera.cli_kit import CommandGroup, bad_usage, current, emit, make_table

privacy = CommandGroup(help="Data-subject rights: `privacy audit`, `privacy export --customer LOGIN`, "
                            "`privacy erase --customer LOGIN [--yes]`.")
audit = CommandGroup(help="The tamper-evident audit log: `audit verify`.")
Customer = Annotated[str, typer.Option("--customer", help="the customer's login, e.g. cust.chen.jing")]


def register(app: typer.Typer) -> None:
    app.add_typer(privacy, name="privacy", rich_help_panel="Capabilities")
    app.add_typer(audit, name="audit", rich_help_panel="Capabilities")


@privacy.command("audit")
def schema_audit() -> int:
    """Scan every table for personal-looking fields without a label or a legal basis."""
    from crm.privacy.schema_audit import audit_schema
    from tessera.schema import full_metadata

    result = audit_schema(full_metadata())
    emit({"ok": result.ok, "tables": result.tables, "columns": result.columns, "labelled": result.labelled,
          "findings": [{"field": f.field, "problem": f.problem} for f in result.findings]}, lambda _: result.lines())
    return 0 if result.ok else 1


@privacy.command("export")
def export(customer: Customer,
           zip_path: Annotated[Path | None, typer.Option("--zip", help="write a zip of CSVs here instead of JSON")]
           = None) -> None:
    """Everything held about a customer, with where each value came from (JSON, or a zip of CSVs)."""
    from crm.privacy.rights import export as export_data, export_zip

    store = current().store()
    contact_id = _contact_of(store, customer)
    with store.session() as s:
        data = export_data(s, contact_id, _now(), actor="cli", channel="cli")
    if zip_path is not None:
        zip_path.write_bytes(export_zip(data))
        emit({"wrote": str(zip_path)}, lambda d: f"wrote {d['wrote']}")
    else:
        emit(data)  # nested by category: JSON is the readable form too


@privacy.command("erase")
def erase(customer: Customer,
          scope: Annotated[str, typer.Option(help="a data category, e.g. user.behavior.purchase_history")] = "user",
          yes: Annotated[bool, typer.Option("--yes", help="carry out the plan shown (erasure cannot be undone)")]
          = False) -> None:
    """Show what erasing a customer would change (store, checkpoints, traces, vector memory) and what is kept under
    which rule; with --yes, carry out exactly that plan."""
    tessera = current().runtime()
    contact_id = _contact_of(tessera.store, customer)
    try:
        plan = tessera.eraser.plan(contact_id, scope)
        if not yes:
            emit(plan.public(), lambda p: [make_table(p["summary"], ("what", "where", "count"),
                                                      [(c["what"], c["where"], c["count"]) for c in p["changes"]]),
                                           *[f"kept: {k['what']} ({k['rule']})" for k in p["kept"]]])
            print("nothing erased: run again with --yes to carry out this plan", file=sys.stderr)
            return
        report = tessera.eraser.erase(contact_id, scope=scope, now=_now(), by="cli", channel="cli",
                                      plan_id=plan.plan_id)
    except ValueError as exc:
        bad_usage(str(exc))
    emit(report, lambda r: make_table(f"erased (request {r['request']}, {r['scope']})", ("what", "count"),
                                      list(r["erased"].items())))


@audit.command("verify")
def verify() -> int:
    """Check the audit log's hash chain; exit 1 and name the first broken line when it was tampered with."""
    from crm.privacy.audit import verify as verify_chain

    with current().store().session() as s:
        report = verify_chain(s)
    emit({"ok": report.ok, "entries": report.entries, "problem": report.problem}, lambda _: str(report))
    return 0 if report.ok else 1


def _contact_of(store, login: str) -> int:
    from sqlalchemy import select

    from crm.models import User

    with store.session() as s:
        contact_id = s.scalar(select(User.contact_id).where(User.login == login))
    if contact_id is None:
        bad_usage(f"no customer with login '{login}' linked to a contact")
    return contact_id


def _now() -> dt.datetime:
    tessera = current().tessera_given
    return (tessera.clock() if tessera is not None else dt.datetime.now(dt.timezone.utc)).replace(tzinfo=None)
