"""Durable update logs: every CRDT update is in SQLite before anyone hears of it, and state is rebuilt by replay.

`UpdateLog` is an append-only table of updates per room; `compact` squashes a room into one update with
`pycrdt.merge_updates` over the stored bytes (not `Doc.get_update`, which leaves out updates still waiting
for their dependencies). `DocSet` holds one node's shard documents over a log: local changes are appended by
a long-lived observer as their transaction commits; remote updates are appended before they are applied, so
a state vector this side sends never covers anything it could lose in a crash.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from pycrdt import Doc, TransactionEvent, merge_updates

SHARDS = 8  # documents per node; records are spread by id so no one map takes every update
COMPACT_AFTER = 2_000  # rows in one room before it is squashed

Listener = Callable[[int, bytes, object | None], None]  # (shard, update, source); source None = local change


class UpdateLog:
    """An append-only SQLite table of CRDT updates, grouped by room."""

    def __init__(self, path: Path, *, synchronous: str = "FULL"):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={synchronous}")
        self._db.execute("CREATE TABLE IF NOT EXISTS updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, data BLOB NOT NULL)")
        self._db.execute("CREATE INDEX IF NOT EXISTS updates_by_room ON updates (room, seq)")
        self._db.execute("CREATE TABLE IF NOT EXISTS quarantine (node TEXT NOT NULL, kind TEXT NOT NULL, record_id TEXT NOT NULL, "
                         "reason TEXT NOT NULL, at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (node, kind, record_id))")
        self._lock = threading.Lock()
        self._rows: dict[str, int] = dict(self._db.execute("SELECT room, COUNT(*) FROM updates GROUP BY room").fetchall())

    def append(self, room: str, update: bytes) -> None:
        """Write one update durably; returns only after the commit."""
        self.append_many([(room, update)])

    def append_many(self, rows: list[tuple[str, bytes]]) -> None:
        """Write several updates in one commit (one fsync), all or none."""
        with self._lock, self._transaction():
            self._db.executemany("INSERT INTO updates (room, data) VALUES (?, ?)", rows)
        for room, _ in rows:
            self._rows[room] = self._rows.get(room, 0) + 1

    def updates(self, room: str) -> list[bytes]:
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT data FROM updates WHERE room = ? ORDER BY seq", (room,))]

    def rooms(self) -> list[str]:
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT DISTINCT room FROM updates ORDER BY room")]

    def quarantine(self, node: str, kind: str, record_id: str, reason: str) -> None:
        """Remember that a node's record failed screening, and why (the first reason stays)."""
        with self._lock, self._transaction():
            self._db.execute("INSERT OR IGNORE INTO quarantine (node, kind, record_id, reason) VALUES (?, ?, ?, ?)",
                             (node, kind, record_id, reason[:1000]))

    def quarantined(self, node: str) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT kind, record_id, reason, at FROM quarantine WHERE node = ? ORDER BY at, record_id",
                                    (node,)).fetchall()
        return [{"kind": k, "record_id": r, "reason": why, "at": at} for k, r, why, at in rows]

    def rows(self, room: str) -> int:
        return self._rows.get(room, 0)

    def compact(self, room: str) -> None:
        """Squash a room's updates into one, in one transaction: a crash leaves either the old rows or the new one."""
        with self._lock, self._transaction():
            rows = self._db.execute("SELECT seq, data FROM updates WHERE room = ? ORDER BY seq", (room,)).fetchall()
            if len(rows) < 2:
                return
            merged = merge_updates(*(data for _, data in rows))
            self._db.execute("DELETE FROM updates WHERE room = ? AND seq <= ?", (room, rows[-1][0]))
            self._db.execute("INSERT INTO updates (room, data) VALUES (?, ?)", (room, merged))
            self._rows[room] = 1

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self):
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


class DocSet:
    """One node's shard documents, durable in an `UpdateLog` under rooms '<prefix><shard>'.

    By default each local transaction is committed to the log as it happens. With `group_commit`, local
    changes are staged and `flush()` writes all of them in one commit; the caller must flush before it
    acknowledges anything (the node's API does, so concurrent requests share one fsync). Listeners (sync
    peers) hear of a local change only once it is in the log.
    """

    def __init__(self, log: UpdateLog, room_prefix: str = "", shards: int = SHARDS, *, group_commit: bool = False):
        self.log = log
        self.room_prefix = room_prefix
        self.group_commit = group_commit
        self.docs: list[Doc] = [Doc() for _ in range(shards)]
        self._listeners: list[Listener] = []
        self._applying: int | None = None  # the shard whose remote update is being applied
        self._from_peer = False  # ... and whether it came from a peer (not from the shared log)
        self._staged: list[tuple[int, bytes]] = []
        self.write_error: Exception | None = None
        for shard, doc in enumerate(self.docs):
            for update in log.updates(self.room(shard)):
                doc.apply_update(update)
            # one observer per document for its whole life (dropped observers leak in Yrs)
            doc.observe(lambda event, shard=shard: self._committed(shard, event))

    def room(self, shard: int) -> str:
        return f"{self.room_prefix}{shard}"

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Hear of every change, local or remote, after it is durable. Returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def apply_remote(self, shard: int, update: bytes, source: object) -> None:
        """Log a peer's update, then apply it. Duplicates and out-of-order updates are harmless to both."""
        if update in (b"", b"\x00\x00"):
            return
        self.flush()  # keep the log in the order changes reached memory
        self.log.append(self.room(shard), update)
        self._applying, self._from_peer = shard, True
        try:
            self.docs[shard].apply_update(update)
        finally:
            self._applying, self._from_peer = None, False
        self._tell(shard, update, source)

    def apply_logged(self, shard: int, update: bytes, source: object) -> None:
        """Apply an update another process already logged in the shared log (pg_log.py): not logged again, and
        not a peer's change (the process that took it from its peer screened it)."""
        self.flush()
        self._applying = shard
        try:
            self.docs[shard].apply_update(update)
        finally:
            self._applying = None
        self._tell(shard, update, source)

    @property
    def applying_remote(self) -> bool:
        """A peer's update is being applied right now (observers use it to tell a node's changes from ours)."""
        return self._from_peer

    def state(self, shard: int) -> bytes:
        return self.docs[shard].get_state()

    def compact_if_due(self, threshold: int = COMPACT_AFTER) -> int:
        """Squash the rooms whose logs have grown past the threshold; returns how many were squashed."""
        done = 0
        for shard in range(len(self.docs)):
            if self.log.rows(self.room(shard)) > threshold:
                self.log.compact(self.room(shard))
                done += 1
        return done

    def _committed(self, shard: int, event: TransactionEvent) -> None:
        if self._applying == shard:
            return  # remote: logged before it was applied
        self._staged.append((shard, event.update))
        if not self.group_commit:
            self.flush()

    @property
    def pending(self) -> bool:
        """Local changes are in memory but not yet in the log."""
        return bool(self._staged)

    def flush(self) -> None:
        """Write every staged local change in one commit, then tell the listeners."""
        if not self._staged:
            return
        staged, self._staged = self._staged, []
        try:
            self.log.append_many([(self.room(shard), update) for shard, update in staged])
        except Exception as exc:  # the changes are in memory but not on disk: say so loudly
            self.write_error = exc
            raise
        for shard, update in staged:
            self._tell(shard, update, None)

    def check_durable(self) -> None:
        """Raise if a local change could not be written to the log (the node must not acknowledge it)."""
        if self.write_error is not None:
            raise RuntimeError(f"the update log {self.log.path} could not be written ({self.write_error}); "
                               "changes since are not durable: free disk space or fix permissions, then restart the node")

    def _tell(self, shard: int, update: bytes, source: object | None) -> None:
        for listener in list(self._listeners):
            listener(shard, update, source)
