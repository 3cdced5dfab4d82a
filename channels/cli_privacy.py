"""`tessera privacy audit|export|erase` and `tessera audit verify|key`: data-subject rights and the audit log from
the shell, through the same domain services as the privacy API (`channels/http_privacy.py`)."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tessera.cli_kit import CommandGroup, bad_usage, current, emit, fail, make_table

privacy = CommandGroup(help="Data-subject rights: `privacy audit`, `privacy export --customer LOGIN`, "
                            "`privacy erase --customer LOGIN [--yes]`.")
audit = CommandGroup(help="The tamper-evident audit log: `audit verify`, `audit key [--rotate]`.")
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
    """Check the hash chain, every signed head (on the lines and in the heads file beside the key) and every
    autonomy_audit row's chained twin; exit 1 with the findings on stderr when anything was cut, changed or forged.
    Needs only the public keys and the heads file: it never creates a key."""
    from crm.privacy.audit_service import check

    state = current()
    running = state.tessera_given
    report = check(state.store(signing=False), running.audit_anchor if running else _anchor(state.settings))
    emit(report.as_dict(), lambda _: str(report))
    if not report.ok:
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            "audit log BROKEN:\n" + "\n".join(f"- {p}" for p in report.problems), markup=False)
    return 0 if report.ok else 1


@audit.command("key")
def key(rotate: Annotated[bool, typer.Option("--rotate", help="verify the log, then sign with a new key from now "
                                                             "on (the old public key stays to check older heads)")]
        = False) -> None:
    """Show the public part of the key that signs the audit log (give it to auditors), or rotate the key."""
    from crm.privacy import audit_service

    state = current()
    running = state.tessera_given
    chain_anchor = running.audit_anchor if running else _anchor(state.settings)
    if rotate:
        try:
            info = audit_service.rotate_key(state.store(), chain_anchor, by="cli", now=_now())
        except audit_service.AuditBroken as exc:
            fail(str(exc))
    else:
        info = audit_service.key_info(chain_anchor)
    emit(info, _key_view)


def _key_view(info: dict) -> list[str]:
    lines = []
    if "old_key_id" in info:
        lines.append(f"rotated: {info['old_key_id']} -> {info['key_id']}; the rotation is line {info['sealed_count']} "
                     "of the log, signed with the new key. Restart running servers so they sign with it.")
    lines.append(f"key {info['key_id']} ({info['key_file']}); {info['signed_heads']} signed heads in "
                 f"{info['heads_file']}; keys whose signatures verify: {', '.join(info['known_keys'])}")
    return [*lines, info["public_key"].rstrip()]


def _anchor(settings):
    from tessera.anchoring import chain_anchor

    return chain_anchor(settings)


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
