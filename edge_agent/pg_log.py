"""The hub's update log in PostgreSQL, shared by every worker of a deployment.

Same contract as `persistence.UpdateLog` (append before anyone hears, replay on start, squash), plus: each commit
NOTIFYs the other workers with the sequence numbers it wrote, and `follow()` LISTENs and hands them every update
another worker logged, so each worker's rooms hold what any worker received. Duplicates are harmless to the CRDT,
so a worker that loads a room and then hears of an update already in it simply applies it again.

The notification is sent in the inserting transaction, so PostgreSQL delivers it only after the rows are
committed and visible; a listener that lost its connection catches up from the last sequence it saw.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable
from contextlib import contextmanager

import psycopg
from pycrdt import merge_updates

log = logging.getLogger("edge_agent.pg_log")
CHANNEL = "tessera_edge_hub"
NOTIFY_BATCH = 400  # sequence numbers per notification (a payload holds at most 8,000 bytes)
SCHEMA = """
CREATE TABLE IF NOT EXISTS edge_hub_updates (seq BIGSERIAL PRIMARY KEY, room TEXT NOT NULL, data BYTEA NOT NULL,
                                             origin TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS edge_hub_updates_by_room ON edge_hub_updates (room, seq);
CREATE TABLE IF NOT EXISTS edge_hub_quarantine (node TEXT NOT NULL, kind TEXT NOT NULL, record_id TEXT NOT NULL,
                                                reason TEXT NOT NULL, at TIMESTAMP NOT NULL DEFAULT now(),
                                                PRIMARY KEY (node, kind, record_id));
"""


def conninfo(url: str) -> str:
    """A libpq URL from Tessera's store URL (`postgresql+psycopg://` is SQLAlchemy's spelling)."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.startswith(("postgresql", "postgres")):
        raise ValueError(f"the shared hub log needs a postgresql:// URL, got {url.split('://')[0]}://...")
    return "postgresql://" + rest


class PgUpdateLog:
    """The hub's updates and quarantine in PostgreSQL tables, with notifications between workers."""

    def __init__(self, url: str, *, origin: str | None = None):
        self.url = conninfo(url)
        self.path = self.url.rsplit("@", 1)[-1]  # for messages: host/database, no credentials
        self.origin = origin or uuid.uuid4().hex[:12]  # this worker: its own notifications are not news to it
        self._db = psycopg.connect(self.url, autocommit=True)
        self._lock = threading.Lock()
        with self._transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('edge_hub_schema'))")  # workers starting together
            cur.execute(SCHEMA)
        rows = self._db.execute("SELECT room, COUNT(*) FROM edge_hub_updates GROUP BY room").fetchall()
        self._rows: dict[str, int] = dict(rows)
        self.last_seq: int = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM edge_hub_updates").fetchone()[0]
        self._closed = False

    # -- the UpdateLog contract -----------------------------------------------------------------------------
    def append(self, room: str, update: bytes) -> None:
        self.append_many([(room, update)])

    def append_many(self, rows: list[tuple[str, bytes]]) -> None:
        """Write several updates in one transaction and tell the other workers when it commits."""
        if not rows:
            return
        with self._lock, self._transaction() as cur:
            cur.executemany("INSERT INTO edge_hub_updates (room, data, origin) VALUES (%s, %s, %s) RETURNING seq",
                            [(room, update, self.origin) for room, update in rows], returning=True)
            seqs = []
            while True:
                seqs.append(cur.fetchone()[0])
                if not cur.nextset():
                    break
            for start in range(0, len(seqs), NOTIFY_BATCH):
                payload = f"u:{self.origin}:" + ",".join(map(str, seqs[start:start + NOTIFY_BATCH]))
                cur.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
        for room, _ in rows:
            self._rows[room] = self._rows.get(room, 0) + 1

    def updates(self, room: str) -> list[bytes]:
        with self._lock:
            return [bytes(r[0]) for r in self._db.execute(
                "SELECT data FROM edge_hub_updates WHERE room = %s ORDER BY seq", (room,))]

    def rooms(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT DISTINCT room FROM edge_hub_updates ORDER BY room")]

    def rows(self, room: str) -> int:
        return self._rows.get(room, 0)

    def compact(self, room: str) -> None:
        """Squash a room into one update, under a lock per room so two workers never squash it at once."""
        with self._lock, self._transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"edge_hub:{room}",))
            rows = cur.execute("SELECT seq, data FROM edge_hub_updates WHERE room = %s ORDER BY seq", (room,)).fetchall()
            if len(rows) < 2:
                return
            merged = merge_updates(*(bytes(data) for _, data in rows))
            cur.execute("DELETE FROM edge_hub_updates WHERE room = %s AND seq <= %s", (room, rows[-1][0]))
            # the merged row says nothing new, so nobody is notified of it
            cur.execute("INSERT INTO edge_hub_updates (room, data, origin) VALUES (%s, %s, %s)", (room, merged, self.origin))
            self._rows[room] = 1

    def quarantine(self, node: str, kind: str, record_id: str, reason: str) -> None:
        with self._lock, self._transaction() as cur:
            cur.execute("INSERT INTO edge_hub_quarantine (node, kind, record_id, reason) VALUES (%s, %s, %s, %s) "
                        "ON CONFLICT DO NOTHING", (node, kind, record_id, reason[:1000]))
            cur.execute("SELECT pg_notify(%s, %s)", (CHANNEL, f"q:{self.origin}:{node}"))

    def quarantined(self, node: str) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT kind, record_id, reason, at FROM edge_hub_quarantine WHERE node = %s "
                                    "ORDER BY at, record_id", (node,)).fetchall()
        return [{"kind": k, "record_id": r, "reason": why, "at": at.isoformat(sep=" ", timespec="seconds")}
                for k, r, why, at in rows]

    def close(self) -> None:
        self._closed = True
        with self._lock:
            self._db.close()

    # -- between workers ------------------------------------------------------------------------------------
    def fetch(self, seqs: list[int]) -> list[tuple[int, str, bytes]]:
        with self._lock:
            return [(seq, room, bytes(data)) for seq, room, data in self._db.execute(
                "SELECT seq, room, data FROM edge_hub_updates WHERE seq = ANY(%s) ORDER BY seq", (seqs,))]

    def since(self, seq: int) -> list[tuple[int, str, bytes]]:
        with self._lock:
            return [(s, room, bytes(data)) for s, room, data in self._db.execute(
                "SELECT seq, room, data FROM edge_hub_updates WHERE seq > %s AND origin <> %s ORDER BY seq",
                (seq, self.origin))]

    async def follow(self, on_update: Callable[[str, bytes], None], on_quarantine: Callable[[str], None],
                     *, ready: asyncio.Event | None = None) -> None:
        """LISTEN for the other workers' commits and hand over each update (room, bytes) they logged, forever;
        after a lost connection, catch up from the last sequence seen."""
        backoff = 0.2
        while not self._closed:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._deliver(self.since(self.last_seq), on_update)  # what was written while we were not listening
                    backoff = 0.2
                    if ready is not None:
                        ready.set()
                    async for note in conn.notifies():
                        kind, origin, rest = note.payload.split(":", 2)
                        if origin == self.origin:
                            continue
                        if kind == "u":
                            self._deliver(self.fetch([int(s) for s in rest.split(",")]), on_update)
                        elif kind == "q":
                            on_quarantine(rest)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away: keep serving, listen again when it is back
                log.warning("edge hub log listener: %s: %s; listening again in %.1fs", type(exc).__name__, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def _deliver(self, rows: list[tuple[int, str, bytes]], on_update: Callable[[str, bytes], None]) -> None:
        for seq, room, data in rows:
            on_update(room, data)
            self.last_seq = max(self.last_seq, seq)

    @contextmanager
    def _transaction(self):
        with self._db.transaction(), self._db.cursor() as cur:
            yield cur

