"""`tessera seed`, `tessera migrate` and `tessera notes backfill`: the store and the memory, from the shell."""
from __future__ import annotations

import dataclasses

import typer

from tessera.cli_kit import CommandGroup, current, emit, make_table, progress

notes = CommandGroup(help="The vector memory of notes and cases: `notes backfill`.")


def register(app: typer.Typer) -> None:
    app.command("seed", rich_help_panel="The store")(seed)
    app.command("migrate", rich_help_panel="The store")(migrate)
    app.add_typer(notes, name="notes", rich_help_panel="The store")


def seed(scale: int = typer.Option(1, min=1, max=100, help="copy the sales and service history this many times "
                                                               "(benchmarks: --scale 10 is ten times the seed)")) -> None:
    """Seed the demo company (a no-op when it is already seeded); prints what the store holds."""
    from tessera.seeding import STEPS, seed_everything

    from crm.privacy import audit
    from crm.seed.demo import _report
    from crm.seed.scale import scale_up

    store = current().store()
    with store.session() as s, progress("seeding the demo company", total=len(STEPS)) as advance:
        report = seed_everything(s, on_step=advance)
    if scale > 1:
        with store.session() as s:
            scale_up(s, scale)
            report = _report(s, created=report.created, seed=report.seed)
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


@notes.command("backfill")
def backfill(limit: int = typer.Option(None, min=1, help="at most this many of the newest activities and cases")) -> None:
    """Index older activities and cases into the vector memory (new ones are indexed as they are written)."""
    from memory.vector_memory import VectorMemory

    state = current()
    running = state.tessera_given
    memory = running.vector_memory if running is not None else VectorMemory(state.settings.chroma_dir, host=state.settings.chroma_host)
    try:
        with state.store().session() as s, progress("indexing notes") as advance:
            added = memory.backfill(s, limit=limit, on_batch=lambda done, total: advance(done=done, total=total))
    finally:
        if running is None:
            memory.close()
    emit({"indexed": added}, lambda d: f"indexed {d['indexed']} note(s)")
