"""Benchmark and collateral figures: erasing each seeded customer, and the free-text guard's rate.

`python -m bench.bench_erasure` -- seeds a temporary template (demo + privacy), then for every customer with a
login: a fresh copy, the plan (timed), the erasure of everything (timed, store part and the trace
target), and every table compared before and after: rows that were theirs and changed, rows that
were not theirs and changed (must be 0), rows added (their request and audit lines).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from crm.models import Activity, User
from crm.privacy.erasure import Eraser
from crm.privacy.text_guard import guard_text
from crm.store import Store
from tessera.cli_kit import track
from memory.traces import TraceErasure
from tessera.migrate import migrate
from tessera.seeding import seed_everything
from tests.security.erasure_support import changed_rows, owned_keys, snapshot

NOW = dt.datetime(2026, 11, 26, 10)


def erase_each(template: Path, tmp: Path) -> list[tuple]:
    store = Store(f"sqlite:///{template}")
    with store.session() as s:
        customers = list(s.execute(select(User.login, User.contact_id).where(User.contact_id.is_not(None))
                                   .order_by(User.contact_id)))
    store.dispose()
    rows = []
    for login, contact_id in track(customers, "erasing each customer"):
        path = tmp / f"{login}.db"
        shutil.copy(template, path)
        store = Store(f"sqlite:///{path}")
        eraser = Eraser(store, targets=[TraceErasure(store)])
        owned, before = owned_keys(store, contact_id), snapshot(store)
        t0 = time.perf_counter()
        plan = eraser.plan(contact_id, "user")
        planned = time.perf_counter() - t0
        t0 = time.perf_counter()
        eraser.erase(contact_id, scope="user", now=NOW, by="bench", channel="bench", plan_id=plan.plan_id)
        erased = time.perf_counter() - t0
        changed = changed_rows(before, snapshot(store))
        mine = sum(len(keys & owned[t]) for t, keys in changed.items())
        added = sum(len({k for k in keys if k not in before[t]}) for t, keys in changed.items())
        others = sum(len(keys) for keys in changed.values()) - mine - added
        rows.append((login, str(sum(len(v) for v in owned.values())), str(mine), str(others), str(added),
                     f"{planned * 1000:.0f}", f"{erased * 1000:.0f}"))
        store.dispose()
        path.unlink()
    return rows


def guard_rate(template: Path) -> tuple[int, float]:
    store = Store(f"sqlite:///{template}")
    with store.session() as s:
        notes = list(s.execute(select(Activity.contact_id, Activity.subject, Activity.body).limit(1000)))
        guard_text(s, "warm-up 13812345678", "sales.follow_up", NOW)  # builds the directory once per session
        t0 = time.perf_counter()
        for contact_id, subject, body in notes:
            guard_text(s, f"{subject}. {body}", "sales.follow_up", NOW, about=contact_id)
        seconds = time.perf_counter() - t0
        s.rollback()
    store.dispose()
    return len(notes), seconds


def main() -> None:
    console = Console(width=120)
    with tempfile.TemporaryDirectory(prefix="tessera-bench-erasure-") as tmp:
        template = Path(tmp) / "template.db"
        store = Store(f"sqlite:///{template}")
        migrate(store)
        with store.session() as s:
            seed_everything(s)
        store.dispose()
        table = Table(title=f"erasing each customer (everything), load average {os.getloadavg()[0]:.2f}")
        for col in ("customer", "rows theirs", "theirs changed", "others' changed", "rows added", "plan ms",
                    "erase ms"):
            table.add_column(col)
        results = erase_each(template, Path(tmp))
        for row in results:
            table.add_row(*row)
        console.print(table)
        console.print(f"median erase {statistics.median(float(r[6]) for r in results):.0f} ms; "
                      f"others' rows changed in total: {sum(int(r[3]) for r in results)}")
        n, seconds = guard_rate(template)
        console.print(f"free-text guard: {n} notes in {seconds * 1000:.0f} ms ({n / seconds:,.0f} notes/s), "
                      f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
