"""Vector memory follows the store's change log from a cursor kept in the store: notes already in the store (the
seed, older versions) are found after a catch-up, and so are notes another process writes; a process started later
goes on from the same cursor; deleted notes go; two workers never index a change twice at once nor skip one."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update

from crm.models import Activity
from crm.store import Store
from memory.note_changes import IndexCursor, NoteChange
from tessera.migrate import alembic_config, migrate
from tests.note_index_support import catch_up_together, found_ids, note_index, small_company

ROOT = Path(__file__).resolve().parents[1]
COLD_BATTERIES = "who mentioned batteries dying in the cold?"


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'small.db'}")
    migrate(store)
    yield store
    store.dispose()


@pytest.fixture
def ids(store) -> dict[str, int]:
    return small_company(store)


def test_notes_written_before_any_catch_up_are_found_after_it(store, ids, tmp_path):
    index = note_index(store, tmp_path / "chroma")
    try:
        assert index.status().pending == 5 and found_ids(index, COLD_BATTERIES) == []
        assert index.catch_up() == 5
        assert index.status().pending == 0 and index.memory.collection.count() == 5
        assert found_ids(index, COLD_BATTERIES, unit_ids=[ids["east"]])[0] == "A-1"
        assert found_ids(index, "invoice does not match the contract", k=1) == ["C-1"]
    finally:
        index.memory.close()


def test_a_note_written_by_another_process_is_found_after_catch_up(store, ids, tmp_path):
    index = note_index(store, tmp_path / "chroma")
    try:
        index.catch_up()
        script = ("import datetime as dt, sys\n"
                  "from crm.actor import Actor\nfrom crm.store import Store\n"
                  "from crm.services.activities import log_activity\n"
                  "store = Store(sys.argv[1])\n"
                  "with store.session() as s:\n"
                  f"    log_activity(s, Actor(user_id={ids['rep.east']}, login='rep.east', role='rep', "
                  f"unit_id={ids['east']}), account='Orchard Foods', kind='meeting', subject='Forklift fleet review', "
                  "body='Ana asked whether the forklift batteries can be swapped mid-shift.', "
                  "when=dt.datetime(2026, 11, 25, 9))\n")
        subprocess.run([sys.executable, "-c", script, store.url], cwd=ROOT, check=True, timeout=120)
        assert index.status().pending == 1
        assert index.catch_up() == 1
        assert found_ids(index, "swapping forklift batteries during a shift", k=1) == ["A-5"]
    finally:
        index.memory.close()


def test_a_process_started_later_goes_on_from_the_cursor_kept_in_the_store(store, ids, tmp_path):
    first = note_index(store, tmp_path / "chroma")
    assert first.catch_up(limit=2) == 2
    first.memory.close()
    later = note_index(store, tmp_path / "chroma")  # another process: nothing kept but the store and the folder
    try:
        assert later.status().position == 2 and later.status().pending == 3
        assert later.catch_up() == 3 and later.memory.collection.count() == 5
    finally:
        later.memory.close()


def test_a_wiped_chroma_folder_is_filled_again_from_the_beginning_of_the_log(store, ids, tmp_path):
    index = note_index(store, tmp_path / "chroma")
    index.catch_up()
    index.memory.close()
    shutil.rmtree(tmp_path / "chroma")
    fresh = note_index(store, tmp_path / "chroma")  # same place, new collection: the old cursor does not count
    try:
        assert fresh.status().position == 0 and fresh.catch_up() == 5
        assert found_ids(fresh, COLD_BATTERIES, unit_ids=[ids["east"]])[0] == "A-1"
    finally:
        fresh.memory.close()


def test_a_deleted_or_erased_note_leaves_and_a_changed_one_is_embedded_again(store, ids, tmp_path):
    index = note_index(store, tmp_path / "chroma")
    try:
        index.catch_up()
        with store.session() as s:
            s.execute(delete(Activity).where(Activity.id == 1))  # an undone "log a call"
            s.execute(update(Activity).where(Activity.id == 2).values(subject="[erased]", body="[erased]"))
            s.execute(update(Activity).where(Activity.id == 3).values(body="Ana asked about solar-powered printers."))
        before = index.memory.collection.get(ids=["A-4"], include=["embeddings"])["embeddings"][0]
        assert index.catch_up() == 3
        held = index.memory.collection.get(include=["documents"])
        assert sorted(held["ids"]) == ["A-3", "A-4", "C-1"] and "solar" in dict(zip(held["ids"], held["documents"]))["A-3"]
        assert list(index.memory.collection.get(ids=["A-4"], include=["embeddings"])["embeddings"][0]) == list(before)
        assert "A-1" not in found_ids(index, COLD_BATTERIES, k=5)
    finally:
        index.memory.close()


def test_moving_an_account_to_another_unit_moves_its_notes_scope(store, ids, tmp_path):
    from crm.models import Account

    index = note_index(store, tmp_path / "chroma")
    try:
        index.catch_up()
        with store.session() as s:
            s.execute(update(Account).where(Account.id == ids["Lakeside Logistics"]).values(unit_id=ids["north"]))
        assert index.catch_up() == 2
        assert "A-1" not in found_ids(index, COLD_BATTERIES, unit_ids=[ids["east"]], k=5)
        assert "A-1" in found_ids(index, COLD_BATTERIES, unit_ids=[ids["north"]], k=5)
    finally:
        index.memory.close()


def test_a_store_from_before_the_log_gets_its_older_notes_in_it_when_migrated(tmp_path):
    from alembic import command

    store = Store(f"sqlite:///{tmp_path / 'old.db'}")
    with store.engine.begin() as conn:  # the schema as it was before the log, with a note in it
        config = alembic_config(store)
        config.attributes["connection"] = conn
        command.upgrade(config, "a07817960842")
        conn.execute(text("INSERT INTO tenants (id, name) VALUES (1, 't')"))
        conn.execute(text("INSERT INTO sales_units (id, tenant_id, code, name, region) VALUES (1, 1, 'e', 'E', 'e')"))
        conn.execute(text("INSERT INTO users (id, tenant_id, login, display_name, role, unit_id, language) "
                          "VALUES (1, 1, 'r', 'R', 'rep', 1, 'en')"))
        conn.execute(text("INSERT INTO accounts (id, tenant_id, unit_id, owner_id, name, industry, region, city, "
                          "created_at) VALUES (1, 1, 1, 1, 'Old Account', 'x', 'e', 'x', '2025-01-01')"))
        conn.execute(text("INSERT INTO activities (id, account_id, user_id, kind, subject, body, occurred_at) "
                          "VALUES (7, 1, 1, 'call', 'An old call', '', '2025-01-02')"))
    migrate(store)
    with store.session() as s:
        assert s.execute(select(NoteChange.kind, NoteChange.record_id)).all() == [("activity", 7)]
    store.dispose()


def test_a_worker_holding_the_claim_is_left_alone_until_its_lease_runs_out(store, ids, tmp_path):
    one = note_index(store, tmp_path / "chroma", holder="worker-1", batch=2)
    other = note_index(store, tmp_path / "chroma", holder="worker-2", batch=2)
    try:
        one._stamp()
        assert one._claim(one.memory.location, one.memory.generation) == 0  # worker 1 starts and stalls
        assert other.catch_up() == 0 and other.status().position == 0  # busy: worker 2 does not index beside it
        with store.session() as s:  # worker 1 stays silent past its lease
            s.execute(update(IndexCursor).where(IndexCursor.holder == "worker-1")
                      .values(lease_until=dt.datetime(2020, 1, 1)))
        assert other.catch_up() == 5
        assert not one._advance(one.memory.location, 0, 2)  # worker 1 wakes up: its batch no longer counts
        assert other.status().position == 5 and other.memory.collection.count() == 5
    finally:
        one.memory.close()
        other.memory.close()


def test_two_workers_catching_up_at_once_index_every_change_once(store, ids, tmp_path):
    workers = [note_index(store, tmp_path / "chroma", holder=f"worker-{n}", batch=1) for n in (1, 2)]
    try:
        done, embedded = catch_up_together(workers)
        assert sorted(done) == [0, 5]  # one held the claim; the other found it busy, or found nothing left
        assert len(embedded) == 5 and workers[1].status().pending == 0
        assert workers[1].memory.collection.count() == 5
    finally:
        for w in workers:
            w.memory.close()


def test_a_search_first_indexes_the_newest_notes_so_a_note_just_logged_is_found(store, ids, tmp_path):
    index = note_index(store, tmp_path / "chroma")
    try:
        assert index.index_recent(account_id=ids["Harbin Cold Chain"]) == 1  # that account's notes only
        assert found_ids(index, COLD_BATTERIES) == ["A-4"]
        assert index.status().position == 0  # the cursor stays: the catch-up passes them again, finding them done
        assert index.catch_up() == 5 and index.memory.collection.count() == 5
    finally:
        index.memory.close()


def test_the_seeded_demo_notes_are_in_the_log_and_found_after_catch_up(tessera):
    with tessera.store.session() as s:
        first = s.scalars(select(Activity).order_by(Activity.id).limit(12)).all()
        logged = s.scalar(select(NoteChange.record_id).where(NoteChange.kind == "activity")
                          .order_by(NoteChange.id.desc()).limit(1))
    assert tessera.notes.status().pending >= 3000 and logged == 3000  # every seeded note, none indexed yet
    assert tessera.notes.catch_up(limit=12) == 12
    target = first[7]
    hits = tessera.notes.search(f"{target.subject}. {target.body}", unit_ids=None, account_id=target.account_id)
    assert hits[0]["id"] == f"A-{target.id}"


def until(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not caught up in time"
        time.sleep(0.05)


def test_the_background_catch_up_indexes_the_store_and_then_what_is_written_later(store, ids, tmp_path):
    index = note_index(store, tmp_path / "chroma")
    try:
        index.start(poll_seconds=60, delay=0)
        until(lambda: index.status().pending == 0)
        with store.session() as s:
            s.add(Activity(account_id=ids["Orchard Foods"], contact_id=ids["Ana Silva"], user_id=ids["rep.east"],
                           kind="note", subject="Ribbon stock", body="Ana wants thermal ribbons kept in stock.",
                           occurred_at=dt.datetime(2026, 11, 25)))
        index.wake()  # long before the next poll
        until(lambda: index.status().pending == 0)
        assert found_ids(index, "keeping thermal ribbons in stock", k=1) == ["A-5"]
    finally:
        index.close()
        index.memory.close()


def test_the_background_catch_up_asks_whether_a_turn_is_running_before_each_couple_of_notes(store, ids, tmp_path):
    asked: list[str] = []
    index = note_index(store, tmp_path / "chroma", busy=lambda: asked.append("busy?") or False)
    embed = index.memory.embed_passages
    index.memory.embed_passages = lambda texts, before_each: embed(texts, lambda: (before_each(),
                                                                                    asked.append("embed")))
    try:
        index.catch_up(limit=3)  # on demand (`tessera index`): no turn to wait for
        assert asked == ["embed", "embed"]
        asked.clear()
        index.catch_up(give_way=True)  # the background thread
        assert asked == ["busy?", "embed"]  # the two changes left: one couple, after asking
    finally:
        index.memory.close()
