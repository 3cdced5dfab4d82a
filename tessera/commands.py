"""`tessera seed`, `tessera migrate`, `tessera index` and `tessera threads prune`: the store, the vector memory and
the conversations, from the shell."""
from __future__ import annotations

import dataclasses

import typer

from tessera.cli_kit import CommandGroup, bad_usage, current, emit, make_table, progress

threads = CommandGroup(help="Conversations: `threads prune` deletes those idle past the retention period.")

def register(app: typer.Typer) -> None:
    app.command("seed", rich_help_panel="The store")(seed)
    app.command("migrate", rich_help_panel="The store")(migrate)
    app.command("index", rich_help_panel="The store")(index)
    app.add_typer(threads, name="threads", rich_help_panel="The store")


def seed(scale: int = typer.Option(1, min=1, max=100, help="copy the sales and service history this many times "
                                                               "(benchmarks: --scale 10 is ten times the seed)")) -> None:
    """Seed the demo company (a no-op when it is already seeded); prints what the store holds."""
    from tessera.seeding import STEPS, seed_everything

    from crm.privacy import audit
    from crm.seed.demo import _report
    from crm.seed.scale import refresh_statistics, scale_up

    store = current().store()
    with store.session() as s, progress("seeding the demo company", total=len(STEPS)) as advance:
        report = seed_everything(s, on_step=advance)
    if scale > 1:
        with store.session() as s:
            scale_up(s, scale)
            report = _report(s, created=report.created, seed=report.seed)
    with store.session() as s:
        refresh_statistics(s)  # PostgreSQL: the planner sees the rows just loaded
    with store.session() as s:
        audit.seal(s)  # where the audit chain ends, signed into the heads file
    data = dataclasses.asdict(report)
    emit(data, lambda d: make_table("created the demo company" if d["created"] else "already seeded; nothing changed",
                                    ("table", "rows"), [(k, v) for k, v in d.items() if k not in ("created", "seed")]))


def migrate() -> None:
    """Bring the store's schema up to date (every capability's migrations)."""
    from crm.privacy import audit

    state = current()
    with state.store().session() as s:  # opening the store migrates it
        audit.seal(s)  # a migration may chain lines (twins of older rows): sign where the chain ends now
    emit({"store": state.settings.store_url, "up_to_date": True}, lambda d: f"store at {d['store']} is up to date")


def index(wait: bool = typer.Option(False, "--wait", help="also wait while another worker is catching up, until "
                                                             "nothing is left to index"),
          limit: int = typer.Option(None, min=1, help="at most this many changes from the store's log")) -> None:
    """Bring the vector memory of notes and cases up to date with the store (seeded notes included). `tessera
    serve` does this in the background; here it runs until done, or returns when another worker is at it."""
    from memory.note_index import NoteIndex
    from memory.vector_memory import VectorMemory

    state = current()
    running = state.tessera_given
    notes = running.notes if running is not None else NoteIndex(
        state.store(), VectorMemory(state.settings.chroma_dir, host=state.settings.chroma_host))
    try:
        with progress("indexing notes", total=notes.status().pending) as advance:
            report = lambda done, pending: advance(done=done, total=done + pending)  # noqa: E731
            done = notes.wait_until_current(on_batch=report) if wait and limit is None else \
                notes.catch_up(limit=limit, on_batch=report)
        status = notes.status()
    finally:
        if running is None:
            notes.memory.close()
    emit({"indexed": done, "position": status.position, "pending": status.pending, "holder": status.holder},
         lambda d: f"indexed {d['indexed']} change(s); {d['pending']} pending" +
                   (f" (being indexed by {d['holder']})" if d["holder"] and d["pending"] else ""))


@threads.command("prune")
def prune(older_than: float = typer.Option(None, "--older-than", min=0, metavar="DAYS",
                                          help="idle this many days (default: TESSERA_THREADS__RETENTION_DAYS)"),
          dry_run: bool = typer.Option(False, "--dry-run", help="list what would go; delete nothing")) -> None:
    """Delete conversation threads idle longer than DAYS, with their checkpoints, traces and Idempotency-Keys
    (threads waiting for a decision stay)."""
    state = current()
    days = older_than if older_than is not None else state.settings.threads.retention_days
    if not days and older_than is None:
        bad_usage("no retention period: give --older-than DAYS or set TESSERA_THREADS__RETENTION_DAYS")
    pruned = state.runtime().pruner.prune_older_than(days, dry_run=dry_run)
    data = {"older_than_days": days, "dry_run": dry_run, "threads": [t.public() for t in pruned]}
    verb = "would delete" if dry_run else "deleted"
    emit(data, lambda d: make_table(f"{verb} {len(d['threads'])} thread(s) idle over {days:g} days",
                                    ("thread", "last active (UTC)", "turns"),
                                    [(t["thread"], t["last_active"], t["turns"]) for t in d["threads"]]))
