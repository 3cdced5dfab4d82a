"""Threads past the retention period go, with their traces and Idempotency-Keys: `tessera threads prune`, and
every `prune_every_hours` inside `tessera serve` when TESSERA_THREADS__RETENTION_DAYS is set.

A thread is deleted under its turn lock (no turn of it runs meanwhile) and only after its last activity has been
checked again under that lock; threads waiting for a decision or with a turn in flight stay (memory/
thread_retention.py). Several workers may prune at once: deleting a thread twice deletes nothing the second time."""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from crm.models import utcnow
from crm.store import Store
from memory.thread_lock import ThreadBusy
from memory.thread_retention import ThreadActivity, busy_threads, delete_thread, thread_activity

log = logging.getLogger("tessera.retention")


class ThreadPruner:
    """Finds and deletes the threads whose last activity is older than a cutoff."""

    def __init__(self, store: Store, saver, lock_thread: Callable, *, retention_days: float = 0,
                 every_hours: float = 24):
        self.store, self.saver, self.lock_thread = store, saver, lock_thread
        self.retention_days, self.every_hours = retention_days, every_hours
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def old_threads(self, cutoff: dt.datetime, only: str | None = None) -> list[ThreadActivity]:
        """Threads last active before `cutoff` (naive UTC) that wait for nothing, oldest first."""
        busy = busy_threads(self.store, only)
        return [t for t in thread_activity(self.store, self.saver, only)
                if t.last_active < cutoff and t.thread_id not in busy]

    def prune(self, cutoff: dt.datetime, *, dry_run: bool = False) -> list[ThreadActivity]:
        """Deletes the old threads (none with `dry_run`); the ones deleted (or that would be)."""
        old = self.old_threads(cutoff)
        if dry_run:
            return old
        done = []
        for thread in old:
            try:
                with self.lock_thread(thread.thread_id):
                    if self.old_threads(cutoff, only=thread.thread_id):  # again: a turn may have just run
                        delete_thread(self.store, self.saver, thread.thread_id)
                        done.append(thread)
            except ThreadBusy:
                log.info("thread %s is busy; it is pruned next time", thread.thread_id)
        return done

    def prune_older_than(self, days: float, *, dry_run: bool = False) -> list[ThreadActivity]:
        return self.prune(utcnow() - dt.timedelta(days=days), dry_run=dry_run)

    def start(self) -> bool:
        """Prunes now and then every `every_hours` in a background thread, when a retention period is set."""
        if self.retention_days <= 0 or self._thread is not None:
            return False
        self._thread = threading.Thread(target=self._loop, name="tessera-thread-pruner", daemon=True)
        self._thread.start()
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                pruned = self.prune_older_than(self.retention_days)
                if pruned:
                    log.info("pruned %d thread(s) older than %g days", len(pruned), self.retention_days)
            except Exception:  # noqa: BLE001 - the next round tries again; serving goes on
                log.exception("pruning old threads failed")
            self._stop.wait(self.every_hours * 3600)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
