"""Audit-log appends per second: one writer in small and large transactions, concurrent writers, and verify.

Run through `python -m bench.bench_privacy` (it prints this table after the PDP tables), or alone with
`python -m bench.bench_audit_log`. Each row is timed on a fresh SQLite store (the file-backed default), so
the numbers include a real commit per transaction. "signed": anchored as `tessera serve` runs (an Ed25519
signature on each transaction's last line and a heads-file line per commit); "unsigned": the chain alone.
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
import time
from pathlib import Path

from rich.table import Table

from crm.privacy import audit
from crm.privacy.anchor import ChainAnchor
from crm.store import Store
from tessera.cli_kit import track
from tessera.migrate import migrate

NOW = dt.datetime(2026, 11, 26, 10)


def _append(session, i: int) -> None:
    audit.append(session, event="decision", actor="bench", at=NOW, contact_id=i % 500,
                 category="user.contact.email", purpose="sales.follow_up", allowed=bool(i % 3), reason=f"bench {i}")


def _writer(store: Store, transactions: int, lines: int, errors: list) -> None:
    for t in range(transactions):
        try:
            with store.session() as s:
                for i in range(lines):
                    _append(s, t * lines + i)
        except Exception as exc:  # noqa: BLE001 -- counted and shown: a clash is what this row measures
            errors.append(type(exc).__name__ + ": " + str(getattr(exc, "orig", None) or exc).splitlines()[0])


def _anchored(store: Store, folder: Path) -> ChainAnchor:
    """As `tessera serve` runs: every commit signs its head onto its last line and into the heads file."""
    found = ChainAnchor(folder / "signing-key.pem")
    audit.anchor(store.engine, found)
    return found


def _run(tmp: Path, name: str, *, threads: int, transactions: int, lines: int, anchored: bool) -> tuple:
    store = Store(f"sqlite:///{tmp / (name + '.db')}")
    migrate(store)
    found = _anchored(store, tmp / name) if anchored else None
    errors: list[str] = []
    workers = [threading.Thread(target=_writer, args=(store, transactions, lines, errors)) for _ in range(threads)]
    t0, cpu0 = time.perf_counter(), time.process_time()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    with store.session() as s:
        t1 = time.perf_counter()
        report = audit.verify(s, found)
        verify_s = time.perf_counter() - t1
    store.dispose()
    written = report.entries
    label = f"{threads} x {transactions} x {lines}" + (", signed" if anchored else ", unsigned")
    return (label, f"{written:,}", f"{written / elapsed:,.0f}/s", f"{elapsed / (threads * transactions) * 1000:.2f}",
            f"{cpu / (threads * transactions) * 1000:.2f}", str(len(errors)), f"{written / verify_s:,.0f}/s", "ok" if report.ok else "BROKEN",
            errors[0][:60] if errors else "")


def table() -> Table:
    out = Table(title=f"audit log appends (SQLite file, {os.cpu_count()} CPUs, "
                      f"load average {os.getloadavg()[0]:.2f} before the run)")
    for col in ("writers x transactions x lines", "lines written", "appends", "ms / tx", "CPU ms / tx", "failed tx",
                "verify", "chain", "first failure"):
        out.add_column(col)
    with tempfile.TemporaryDirectory(prefix="tessera-bench-audit-") as tmp:
        shapes = (("one", dict(threads=1, transactions=400, lines=1)),
                  ("batch", dict(threads=1, transactions=100, lines=20)),
                  ("four", dict(threads=4, transactions=100, lines=5)))
        runs = [(anchored, name, shape) for anchored in (False, True) for name, shape in shapes]
        for anchored, name, shape in track(runs, "audit log runs"):
            out.add_row(*_run(Path(tmp), f"{name}-{anchored}", anchored=anchored, **shape))
    return out


if __name__ == "__main__":
    from rich.console import Console

    Console(width=160).print(table())
