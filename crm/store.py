"""The one place that opens the store: an engine and a session factory for SQLite or PostgreSQL."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

PING_AFTER_IDLE = 1.0  # seconds (Store's ping_after_idle)


class Store:
    """A CRM store bound to one database URL. Services receive a `Session` from `session()`."""

    def __init__(self, url: str, *, kept_connections: int = 5, ping_after_idle: float = PING_AFTER_IDLE):
        """`kept_connections`: a server's connections the pool keeps open between uses; up to 10 more are opened
        when that many are in use at once, and closed again after their use. `ping_after_idle`: seconds a server's
        connection may wait in the pool and still be used without a ping first."""
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]  # psycopg 3 is the driver Tessera ships
        self.url = url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        server = not url.startswith("sqlite")
        self.engine: Engine = create_engine(url, future=True, **({"pool_size": kept_connections} if server else {}))
        if server:  # a SQLite file cannot drop a connection: its checkouts never ping
            _ping_when_idle(self.engine, ping_after_idle)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on error."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def after_commit_of(self, entities: tuple[type, ...], callback: Callable[[], None]) -> None:
        """Calls `callback()` after every commit of this store's sessions that added, changed or deleted rows of
        `entities` through the ORM. Bulk UPDATE/DELETE statements are not seen (their callers say so themselves); a
        rolled-back savepoint may still count (one call too many is harmless)."""
        flag = object()

        def flushed(session: Session, _context) -> None:
            if any(isinstance(o, entities) for o in (*session.new, *session.dirty, *session.deleted)):
                session.info[flag] = True

        def committed(session: Session) -> None:
            if session.info.pop(flag, False):
                callback()

        event.listen(self._sessions, "after_flush", flushed)
        event.listen(self._sessions, "after_commit", committed)

    def dispose(self) -> None:
        self.engine.dispose()


def _ping_when_idle(engine: Engine, seconds: float) -> None:
    """A server's connection can drop while it waits in the pool (a restart, an idle timeout): one that waited more
    than `seconds` is pinged before use, and replaced when the ping fails (the pool opens another). One back from a
    use within `seconds` goes without that round trip: about ten a turn under load, each CPU on both sides. Should
    its server have gone in that moment, its statement fails as one running at that moment would, and the pool
    then replaces every connection opened before the failure."""

    @event.listens_for(engine, "checkin")
    def returned(_dbapi_connection, record) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, _proxy) -> None:
        returned_at = record.info.get("returned_at")  # none: opened just now (a replaced connection starts afresh)
        if returned_at is None or time.monotonic() - returned_at <= seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("the connection dropped while it waited in the pool") from exc


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL a commit survives a process crash; no fsync per commit
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
    dbapi_connection.create_aggregate("median", 1, _Median)


class _Median:
    """SQL `median(x)` for SQLite (its percentile extension is not in the builds Python ships): the middle non-null
    value of the group, or the mean of the two middle ones, as `avg()` of them would give it. The metrics compile
    medians to it (crm/metrics/sqlfuncs.py); PostgreSQL has ordered-set aggregates instead."""

    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: list = []

    def step(self, value) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        values = self.values
        if not values:
            return None
        values.sort()
        mid = len(values) // 2
        return float(values[mid]) if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
