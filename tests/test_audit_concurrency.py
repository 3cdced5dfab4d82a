"""Concurrent writers extend the one audit chain without clashing on a sequence number (issue 14 saw
`UNIQUE constraint failed: privacy_audit_log.seq` under concurrent turns), on SQLite and on PostgreSQL."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, select

from crm.privacy import audit, pdp
from crm.privacy.models import AuditEntry
from crm.store import Store
from tests.conftest import FIXED_NOW, settings_for
from tests.postgres_support import scratch_or_skip
from tessera.anchoring import anchor_store, chain_anchor
from tessera.migrate import migrate

WRITERS, TRANSACTIONS, LINES = 6, 15, 4


def hammer(store: Store) -> list[str]:
    """WRITERS threads start together; each commits TRANSACTIONS transactions of LINES lines."""
    errors: list[str] = []
    start = threading.Barrier(WRITERS)

    def writer(w: int) -> None:
        start.wait()
        for t in range(TRANSACTIONS):
            try:
                with store.session() as s:
                    for i in range(LINES):
                        audit.append(s, event="decision", actor=f"writer-{w}", at=FIXED_NOW, contact_id=i,
                                     category="user.contact.email", purpose="sales.follow_up", allowed=True,
                                     reason=f"writer {w}, transaction {t}, line {i}")
            except Exception as exc:  # noqa: BLE001 -- every failure is reported by the assertion below
                errors.append(f"writer {w}: {exc}")

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def assert_one_whole_chain(store: Store, folder, before: int = 0) -> None:
    with store.session() as s:
        seqs = list(s.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
        report = audit.verify(s, chain_anchor(settings_for(folder)))
    assert seqs == list(range(1, before + WRITERS * TRANSACTIONS * LINES + 1))
    assert report.ok, report.problems
    assert report.anchored == len(seqs)  # the last commit's signed head covers every line


def test_concurrent_writers_on_sqlite_never_clash_and_leave_one_signed_chain(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'tessera.db'}")
    migrate(store)
    anchor_store(store, settings_for(tmp_path))
    try:
        assert hammer(store) == []
        assert_one_whole_chain(store, tmp_path)
    finally:
        audit.anchor(store.engine, None)
        store.dispose()


def test_a_transaction_reads_the_head_once_and_inserts_its_lines_in_one_batch(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'tessera.db'}")
    migrate(store)
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda conn, cur, sql, *a: statements.append(sql))
    try:
        with store.session() as s:
            for contact in range(1, 21):  # twenty fresh PDP decisions, as one tool call over a list makes
                pdp.decide(s, contact, "user.contact.email", "sales.follow_up", FIXED_NOW, actor="li.wei")
            statements.clear()
        assert [q.split()[0:3] for q in statements if "privacy_audit" in q] == [
            ["UPDATE", "privacy_audit_head", "SET"],  # lock and take 20 sequence numbers
            ["UPDATE", "privacy_audit_head", "SET"],  # the new head hash
            ["INSERT", "INTO", "privacy_audit_log"]]  # the twenty lines, one statement
    finally:
        store.dispose()


def test_a_rolled_back_transaction_leaves_no_line_and_no_gap(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'tessera.db'}")
    migrate(store)
    anchor_store(store, settings_for(tmp_path))
    try:
        with pytest.raises(RuntimeError), store.session() as s:
            audit.append(s, event="decision", actor="li.wei", at=FIXED_NOW, reason="never happened")
            raise RuntimeError("the tool call failed")
        assert hammer(store) == []
        assert_one_whole_chain(store, tmp_path)
    finally:
        audit.anchor(store.engine, None)
        store.dispose()


@pytest.mark.postgres
def test_concurrent_writers_on_postgres_never_clash_and_leave_one_signed_chain(tmp_path):
    with scratch_or_skip("tessera_audit") as url:
        store = Store(url)
        try:
            migrate(store)
            anchor_store(store, settings_for(tmp_path))
            assert hammer(store) == []
            assert_one_whole_chain(store, tmp_path)
        finally:
            audit.anchor(store.engine, None)
            store.dispose()
