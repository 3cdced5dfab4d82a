"""`tessera privacy audit|export|erase` and `tessera audit verify`: `main(argv) -> exit code`."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from sqlalchemy import select

from crm.models import User


def main(argv: list[str] | None = None, *, settings=None, tessera=None) -> int:
    parser = argparse.ArgumentParser(prog="tessera", description="Tessera privacy tools.")
    sub = parser.add_subparsers(dest="group", required=True)
    privacy = sub.add_parser("privacy").add_subparsers(dest="command", required=True)
    privacy.add_parser("audit", help="scan every table for personal-looking fields without a label or basis")
    export = privacy.add_parser("export", help="everything held about a customer, with provenance")
    export.add_argument("--customer", required=True, help="the customer's login, e.g. cust.chen.jing")
    export.add_argument("--zip", dest="zip_path", default=None, help="write a zip of CSVs here instead of JSON")
    erase = privacy.add_parser("erase", help="erase a customer everywhere Tessera keeps data")
    erase.add_argument("--customer", required=True)
    erase.add_argument("--scope", default="user", help="a data category, e.g. user.behavior.purchase_history")
    audit = sub.add_parser("audit").add_subparsers(dest="command", required=True)
    audit.add_parser("verify", help="check the audit log's hash chain")
    args = parser.parse_args(argv)

    if (args.group, args.command) == ("privacy", "audit"):
        return _schema_audit()
    store = tessera.store if tessera is not None else _store(settings)
    now = (tessera.clock() if tessera is not None else dt.datetime.now(dt.timezone.utc)).replace(tzinfo=None)
    if (args.group, args.command) == ("audit", "verify"):
        from crm.privacy.audit import verify

        with store.session() as s:
            report = verify(s)
        print(report)
        return 0 if report.ok else 1
    contact_id = _contact_of(store, args.customer)
    if contact_id is None:
        print(f"no customer with login '{args.customer}' linked to a contact", file=sys.stderr)
        return 2
    if args.command == "export":
        from crm.privacy.rights import export as export_data, export_zip

        with store.session() as s:
            data = export_data(s, contact_id, now, actor="cli", channel="cli")
        if args.zip_path:
            Path(args.zip_path).write_bytes(export_zip(data))
            print(f"wrote {args.zip_path}")
        else:
            print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return 0
    eraser, close = _eraser(store, settings, tessera)
    try:
        print(json.dumps(eraser.erase(contact_id, scope=args.scope, now=now, by="cli", channel="cli"),
                         ensure_ascii=False, indent=2))
    finally:
        close()
    return 0


def _eraser(store, settings, tessera):
    """The running assistant's eraser, or one over the checkpoints and vector memory named by the settings."""
    from crm.privacy.erasure import Eraser

    if tessera is not None:
        found = getattr(tessera, "eraser", None) or Eraser(store, checkpointer=tessera.checkpointer,
                                                           vector_memory=getattr(tessera, "vector_memory", None))
        return found, lambda: None
    from memory.checkpoints import open_checkpointer
    from tessera.settings import Settings

    settings = settings or Settings()
    saver, close_saver = open_checkpointer(settings.checkpoints_url)
    memory = None
    if settings.chroma_dir.exists():
        from memory.vector_memory import VectorMemory

        memory = VectorMemory(settings.chroma_dir)

    def close() -> None:
        close_saver()
        if memory is not None:
            memory.close()

    return Eraser(store, checkpointer=saver, vector_memory=memory), close


def _schema_audit() -> int:
    from crm.privacy.schema_audit import audit_schema, full_metadata

    result = audit_schema(full_metadata())
    print("\n".join(result.lines()))
    return 0 if result.ok else 1


def _store(settings):
    from crm.store import Store
    from tessera.migrate import migrate
    from tessera.settings import Settings

    store = Store((settings or Settings()).store_url)
    migrate(store)
    return store


def _contact_of(store, login: str) -> int | None:
    with store.session() as s:
        return s.scalar(select(User.contact_id).where(User.login == login))


if __name__ == "__main__":
    sys.exit(main())
