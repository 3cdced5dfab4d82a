"""One turn at a time per conversation thread, across threads and processes.

Within a process, turns of one thread queue on a `threading.Lock` (so waiters hold no database connection);
the one at the head then takes the cross-process lock: a PostgreSQL advisory lock keyed by the thread on
PostgreSQL, an exclusive `flock` on a lock file beside the SQLite store otherwise. Both are released by the
operating system or the server when their holder dies, so a crashed process never leaves a thread locked.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
STRIPES = 4096  # lock files on SQLite: two threads share one only by a 1-in-4096 chance (and then merely queue)


class ThreadBusy(TimeoutError):
    """Another turn of the same thread kept running longer than the wait allows."""

    def __init__(self, thread_id: str, waited: float):
        super().__init__(f"another turn of this conversation is still running (waited {waited:.0f} s); "
                         "try again when it has answered")


def lock_key(thread_id: str) -> int:
    """A signed 64-bit key for `thread_id` (PostgreSQL advisory locks take a bigint)."""
    return int.from_bytes(hashlib.sha256(thread_id.encode()).digest()[:8], "big", signed=True)


class _LocalQueue:
    """Per-thread-id `threading.Lock`s, dropped when no one holds or waits for them."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, list] = {}  # thread_id -> [lock, users]

    @contextmanager
    def hold(self, thread_id: str, deadline: float) -> Iterator[None]:
        with self._guard:
            entry = self._locks.setdefault(thread_id, [threading.Lock(), 0])
            entry[1] += 1
        try:
            if not entry[0].acquire(timeout=max(0.0, deadline - time.monotonic())):
                raise ThreadBusy(thread_id, 0)
            try:
                yield
            finally:
                entry[0].release()
        finally:
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    self._locks.pop(thread_id, None)


class ThreadLocks:
    """`hold(thread_id, wait)` serializes turns of `thread_id`; raises ThreadBusy after `wait` seconds."""

    def __init__(self) -> None:
        self._local = _LocalQueue()

    @contextmanager
    def hold(self, thread_id: str, wait: float) -> Iterator[None]:
        started = time.monotonic()
        deadline = started + wait
        try:
            with self._local.hold(thread_id, deadline), self._across_processes(thread_id, deadline):
                yield
        except ThreadBusy:
            raise ThreadBusy(thread_id, time.monotonic() - started) from None

    def _across_processes(self, thread_id: str, deadline: float):
        raise NotImplementedError

    def close(self) -> None:
        pass


class FileThreadLocks(ThreadLocks):
    """SQLite: an exclusive flock on one of STRIPES files in `directory` (beside the store, shared by processes)."""

    def __init__(self, directory: Path):
        super().__init__()
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def _across_processes(self, thread_id: str, deadline: float) -> Iterator[None]:
        path = self.directory / f"{lock_key(thread_id) % STRIPES:04d}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            pause = 0.002
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise ThreadBusy(thread_id, 0) from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.05)
            yield
        finally:
            os.close(fd)  # closing the file releases the lock


class AdvisoryThreadLocks(ThreadLocks):
    """PostgreSQL: a session-level advisory lock on a connection of its own small pool, held for the turn."""

    def __init__(self, url: str, kept_connections: int = 4):
        super().__init__()
        # Its own pool: a turn holding its lock must never starve the store's pool of connections. It keeps one
        # connection open per turn the process runs at once; one more (an erasure, the pruner) opens and closes one.
        self.engine: Engine = create_engine(url, pool_size=kept_connections, max_overflow=60, pool_pre_ping=True)

    @contextmanager
    def _across_processes(self, thread_id: str, deadline: float) -> Iterator[None]:
        key = lock_key(thread_id)
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # Most turns find their thread free: one round trip. Only a busy thread waits, with a timeout.
            if not conn.execute(TRY_LOCK, {"key": key}).scalar_one():
                self._wait_for(conn, key, thread_id, deadline)
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})

    @staticmethod
    def _wait_for(conn, key: int, thread_id: str, deadline: float) -> None:
        wait_ms = max(1, int((deadline - time.monotonic()) * 1000))
        conn.execute(text(f"SET lock_timeout = {wait_ms}"))
        try:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        except Exception as exc:  # psycopg's LockNotAvailable, wrapped by SQLAlchemy
            if "lock timeout" in str(exc).lower() or "LockNotAvailable" in type(getattr(exc, "orig", exc)).__name__:
                raise ThreadBusy(thread_id, 0) from exc
            raise
        finally:
            conn.execute(text("SET lock_timeout = 0"))

    def close(self) -> None:
        self.engine.dispose()


def thread_locks_for(store_url: str, turns_at_once: int = 4) -> ThreadLocks:
    """Advisory locks for a PostgreSQL store, lock files beside a SQLite store."""
    if store_url.startswith("postgresql"):
        return AdvisoryThreadLocks(store_url, turns_at_once)
    path = Path(store_url.removeprefix("sqlite:///"))
    return FileThreadLocks(path.parent / f"{path.name}.turn-locks")
