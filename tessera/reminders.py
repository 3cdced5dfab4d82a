"""The reminder scheduler inside `tessera serve`: a thread that claims due reminders in the store (so each fires
once across processes and restarts, crm/tasks/reminders.py) and sends each through the owner's channel."""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from crm.store import Store
from crm.tasks.reminders import Reminder, claim_due, mark_failed, mark_sent, reminder_for

log = logging.getLogger("tessera.reminders")
# A channel sender takes a reminder and returns True when it reached the owner, False when the owner has no
# account on that channel (the next channel is tried); an exception is a failed attempt, tried again later.
Sender = Callable[[Reminder], bool]


class ReminderScheduler:
    def __init__(self, store: Store, clock: Callable[[], dt.datetime], *, poll_seconds: float = 30.0):
        self.store, self.clock, self.poll_seconds = store, clock, poll_seconds
        self.senders: dict[str, Sender] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add_channel(self, name: str, send: Sender) -> None:
        self.senders[name] = send

    def run_once(self) -> list[Reminder]:
        """Claim and send what is due now; returns the reminders delivered."""
        if not self.senders:
            return []  # nothing could deliver them: leave them pending for a process that can
        now = self.clock()
        delivered: list[Reminder] = []
        while True:
            with self.store.session() as s:
                claimed, more = claim_due(s, now)  # committed before anything is sent
            delivered += self._send(claimed, now)
            if not more:
                return delivered

    def _send(self, claimed: list[int], now: dt.datetime) -> list[Reminder]:
        delivered = []
        for task_id in claimed:
            with self.store.session() as s:
                reminder = reminder_for(s, task_id, now)
            try:
                channel = next((name for name, send in self.senders.items() if send(reminder)), None)
            except Exception:  # noqa: BLE001 - one failed send must not stop the others; tried again next poll
                log.exception("reminder T-%s could not be sent; it will be tried again", task_id)
                with self.store.session() as s:
                    mark_failed(s, task_id, final=False)
                continue
            with self.store.session() as s:
                if channel is None:
                    log.warning("reminder T-%s: %s has no account on %s", task_id, reminder.login,
                                ", ".join(self.senders))
                    mark_failed(s, task_id, final=True)
                else:
                    mark_sent(s, task_id, now)
                    delivered.append(reminder)
        return delivered

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="tessera-reminders", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - the store may be briefly away; the next poll tries again
                log.exception("reminder poll failed")
            self._stop.wait(self.poll_seconds)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
