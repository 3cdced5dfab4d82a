"""Vector memory catch-up on PostgreSQL: the triggers log every change, a note whose transaction commits after a
later one is not skipped (ids are not in commit order there), and two workers with their own connections index each
change once."""
from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from crm.models import Activity
from crm.store import Store
from memory.note_changes import NoteChange
from tests.note_index_support import catch_up_together, WHEN, found_ids, note_index, small_company
from tests.postgres_support import migrated_store, scratch_or_skip

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url():
    with scratch_or_skip("tessera_index") as url:
        yield url


@pytest.fixture
def store(pg_url):
    with migrated_store(pg_url) as store:
        yield store


def note(ids: dict, subject: str, body: str) -> dict:
    return {"account_id": ids["Orchard Foods"], "contact_id": ids["Ana Silva"], "user_id": ids["rep.east"],
            "kind": "note", "subject": subject, "body": body, "occurred_at": WHEN}


def test_a_note_committed_after_a_later_one_is_not_skipped(store, pg_url, tmp_path):
    ids = small_company(store)
    index = note_index(store, tmp_path / "chroma")
    slow = Store(pg_url)  # another worker, whose transaction stays open
    try:
        assert index.catch_up() == 5
        with slow.engine.connect() as conn:
            with conn.begin():
                first = conn.execute(insert(Activity).values(note(ids, "Pallet wrap", "Ana asked about pallet "
                                                                  "stretch wrap that tears in the cold room."))
                                     .returning(Activity.id)).scalar()
                with store.session() as s:  # a later transaction takes the next id and commits first
                    glue = Activity(**note(ids, "Label glue", "Ana says the labels peel off frozen cartons."))
                    s.add(glue)
                assert first < glue.id
                assert index.catch_up() == 1  # sees only what is committed
                assert found_ids(index, "labels peeling off frozen boxes", k=1) == [f"A-{glue.id}"]
            # the first transaction commits now, with the lower id
        with store.session() as s:
            assert s.scalar(select(NoteChange.seq).where(NoteChange.record_id == first,
                                                         NoteChange.kind == "activity")) is None
        assert index.catch_up() == 1
        assert found_ids(index, "stretch wrap tearing in the cold room", k=1) == [f"A-{first}"]
        assert index.status().pending == 0
    finally:
        slow.dispose()
        index.memory.close()


def test_two_workers_with_their_own_connections_index_every_change_once(store, pg_url, tmp_path):
    small_company(store)
    stores = [Store(pg_url), Store(pg_url)]
    workers = [note_index(s, tmp_path / "chroma", holder=f"worker-{n}", batch=1) for n, s in enumerate(stores)]
    try:
        done, embedded = catch_up_together(workers)
        assert sorted(done) == [0, 5] and len(embedded) == 5
        assert workers[0].status().pending == 0 and workers[0].memory.collection.count() == 5
        assert found_ids(workers[1], "who mentioned batteries dying in the cold?", unit_ids=None, k=1) == ["A-1"]
    finally:
        for w in workers:
            w.memory.close()
        for s in stores:
            s.dispose()
