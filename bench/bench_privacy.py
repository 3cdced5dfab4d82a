"""Benchmark: policy decisions per second, and what enforcement adds to a tool call (find_contacts).

`python -m bench.bench_privacy` -- seeds a temporary store (demo + consents), then times:
- the decision rules alone (no store), fresh decisions (consents loaded, each audited), cached decisions;
- find_contacts as the tool runs it (every field through the PDP, audited) against the same query and rows
  without enforcement (the code before the privacy capability);
- audit-log appends per second, alone and from concurrent writers (`bench/bench_audit_log.py`).
"""
from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from bench import bench_audit_log
from crm.actor import Actor
from crm.models import Account, Contact, User
from crm.privacy import audit, pdp
from crm.privacy.anchor import ChainAnchor
from crm.privacy.pdp import _decide
from crm.privacy.seed import seed_privacy
from crm.privacy.taxonomy import default_taxonomy
from crm.seed import seed_demo
from crm.services.lookup import resolve_account
from crm.store import Store
from tessera.cli_kit import track
from tessera.migrate import migrate
from tools.base import ToolContext
from tools.find_contacts import TOOL as FIND_CONTACTS

NOW = dt.datetime(2026, 11, 26, 10)
CATEGORIES = ("user.contact.email", "user.contact.phone_number", "user.name", "user.location")
PURPOSES = ("sales.follow_up", "marketing.communications", "analytics.reporting", "essential.service")


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s"


def bench_decisions(store: Store, contact_ids: list[int]) -> list[tuple[str, str, str]]:
    rows = []
    tax = default_taxonomy()
    with store.session() as s:
        pdp.prefetch(s, contact_ids)
        records = s.info["privacy.consents"]
        questions = [(c, cat, p) for c in contact_ids for cat in CATEGORIES for p in PURPOSES]
        t0 = time.perf_counter()
        for c, cat, p in questions:
            _decide(records[c], c, cat, p, NOW, tax)
        rows.append(("rules only (consents in memory)", f"{len(questions):,}", _rate(len(questions), time.perf_counter() - t0)))
    with store.session() as s:
        t0 = time.perf_counter()
        pdp.prefetch(s, contact_ids)
        for c, cat, p in questions:
            pdp.decide(s, c, cat, p, NOW, actor="bench")
        s.commit()  # the lines are linked (and, when anchored, signed) at commit
        fresh = time.perf_counter() - t0
        t0 = time.perf_counter()
        for c, cat, p in questions:
            pdp.decide(s, c, cat, p, NOW, actor="bench")
        cached = time.perf_counter() - t0
    rows.append(("fresh: consents loaded, audit lines written, committed", f"{len(questions):,}", _rate(len(questions), fresh)))
    rows.append(("cached within a session (same turn)", f"{len(questions):,}", _rate(len(questions), cached)))
    return rows


def _find_contacts_unguarded(store: Store, actor: Actor, account: str) -> dict:
    """The tool before the privacy capability: same query and fields, no decisions."""
    with store.session() as s:
        acc = resolve_account(s, actor, account)
        people = s.scalars(select(Contact).where(Contact.account_id == acc.id).order_by(Contact.full_name)).all()
        items = [{"name": c.full_name, "title": c.title, "email": c.email, "phone": c.phone} for c in people]
    return {"ok": True, "items": items, "total": len(items), "about": acc.name}


def bench_tool(store: Store, actor: Actor, accounts: list[str], rounds: int) -> list[tuple[str, str, str, str]]:
    ctx = ToolContext(store=store, actor=actor, clock=lambda: NOW)
    for name in accounts[:3]:  # warm-up
        FIND_CONTACTS.invoke(ctx, {"account": name})
        _find_contacts_unguarded(store, actor, name)
    timings = {"without enforcement": [], "with the PDP (audited)": []}
    decisions = []
    for _ in track(range(rounds), "find_contacts rounds", total=rounds):
        for name in accounts:
            t0 = time.perf_counter()
            _find_contacts_unguarded(store, actor, name)
            timings["without enforcement"].append((time.perf_counter() - t0) * 1000)
            with pdp.observe() as seen:
                t0 = time.perf_counter()
                FIND_CONTACTS.invoke(ctx, {"account": name})
                timings["with the PDP (audited)"].append((time.perf_counter() - t0) * 1000)
            decisions.append(len(seen))
    base = statistics.median(timings["without enforcement"])
    rows = []
    for label, values in timings.items():
        med = statistics.median(values)
        p95 = sorted(values)[int(0.95 * (len(values) - 1))]
        rows.append((label, f"{med:.2f}", f"{p95:.2f}", "—" if med == base else f"+{med - base:.2f} ms"))
    rows.append(("decisions asked per call (median)", f"{statistics.median(decisions):.0f}", "", ""))
    return rows


def main(rounds: int = 5) -> None:
    console = Console(width=160)
    with tempfile.TemporaryDirectory(prefix="tessera-bench-privacy-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate(store)
        audit.anchor(store.engine, ChainAnchor(Path(tmp) / "audit" / "signing-key.pem"))  # as `tessera serve` runs
        with store.session() as s:
            seed_demo(s)
            seed_privacy(s)
            user = s.scalar(select(User).where(User.login == "li.wei"))
            actor = Actor(user_id=user.id, login=user.login, role=user.role, unit_id=user.unit_id)
            accounts = list(s.scalars(select(Account.name).where(Account.unit_id == user.unit_id).limit(20)))
            contact_ids = list(s.scalars(select(Contact.id).limit(200)))
        table = Table(title="PDP decisions")
        for col in ("kind", "questions", "rate"):
            table.add_column(col)
        for row in bench_decisions(store, contact_ids):
            table.add_row(*row)
        console.print(table)
        table = Table(title=f"find_contacts per call, ms ({len(accounts)} accounts x {rounds} rounds)")
        for col in ("variant", "median", "p95", "added"):
            table.add_column(col)
        for row in bench_tool(store, actor, accounts, rounds):
            table.add_row(*row)
        console.print(table)
        store.dispose()
    console.print(bench_audit_log.table())


if __name__ == "__main__":
    main()
