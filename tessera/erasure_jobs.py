"""Where erasure reaches storage the domain does not own, and where erasures asked for in chat are carried out.

`build_eraser` registers the erasure targets (turn traces, paused requests, tasks, conversation checkpoints,
vector memory) on the domain's `Eraser`. `ErasureJobs` is the queue: a request
accepted in chat is a `privacy_requests` row (status verified), so it survives a restart; one worker thread
carries requests out, each once the requester has no turn running (so their own thread is complete when it is
erased), and picks up anything a crash left unfinished when it starts. Several worker processes may poll the one
queue: each request is claimed before it runs (crm/privacy/erasure_claims.py), so exactly one of them runs it.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from crm.privacy.erasure import Eraser
from crm.privacy.models import SubjectRequest
from crm.store import Store
from crm.tasks.erasure import TaskErasure
from crm.services.undo import UndoErasure
from memory.approvals import ApprovalErasure
from memory.checkpoints import CheckpointErasure
from memory.traces import TraceErasure
from memory.vector_memory import VectorErasure

log = logging.getLogger("tessera.erasure")
POLL_SECONDS = 10.0  # a missed wake-up (another process queued it) is picked up this late at most


def build_eraser(store: Store, *, checkpointer=None, vector_memory=None, after: list[Callable[[], None]] | None = None,
                 lock_thread=None) -> Eraser:
    targets = [TraceErasure(store), ApprovalErasure(store), TaskErasure(store), UndoErasure(store)]
    if checkpointer is not None:
        targets.append(CheckpointErasure(checkpointer, lock_thread))
    if vector_memory is not None:
        targets.append(VectorErasure(vector_memory))
    return Eraser(store, targets=targets, after=after)


class ErasureJobs:
    """One worker thread that carries out queued erasure requests, oldest first."""

    def __init__(self, eraser: Eraser, clock: Callable, busy: Callable[[int], bool] = lambda contact_id: False):
        self.eraser, self.clock, self.busy = eraser, clock, busy
        self.finished: list[dict] = []  # reports of carried-out requests, for `drain`
        self._wake, self._idle, self._stop = threading.Event(), threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def plan(self, contact_id: int, scope: str, *, lang: str = "en"):
        return self.eraser.plan(contact_id, scope, lang=lang)

    def wake(self) -> None:
        """A request was queued: start the worker if needed and let it look now."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._work, name="tessera-erasures", daemon=True)
                self._thread.start()
        self._idle.clear()
        self._wake.set()

    def drain(self, timeout: float = 120.0) -> list[dict]:
        """Wait until every queued request is carried out; the reports since the last drain."""
        deadline = time.monotonic() + timeout
        self.wake()
        while self.eraser.pending() or not self._idle.is_set():
            if time.monotonic() > deadline:
                raise TimeoutError(f"erasures still queued after {timeout:.0f} s: {self.eraser.pending()}")
            self._idle.wait(0.05)
        with self._lock:
            done, self.finished = self.finished, []
        return done

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _work(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            deferred = self._run_once()
            if not deferred:
                self._idle.set()
            self._wake.wait(0.2 if deferred else POLL_SECONDS)

    def _run_once(self) -> bool:
        """Carry out what is queued, claiming each request first (other worker processes poll the same queue: each
        request is run by the one that claims it); True when something waits for a turn to end or failed."""
        deferred, skip = False, set()
        while not self._stop.is_set():
            request_id = self.eraser.claim_next(skip=skip)
            if request_id is None:
                return deferred
            skip.add(request_id)
            with self.eraser.store.session() as s:
                contact_id = s.get(SubjectRequest, request_id).contact_id
            if self.busy(contact_id):
                self.eraser.release(request_id)
                deferred = True
                continue
            try:
                report = self.eraser.carry_out(request_id, now=self.clock(), by=f"contact:{contact_id}")
            except Exception:  # noqa: BLE001 - one failing request must not stop the queue; it stays pending
                log.exception("erasure request %s failed; it stays queued", request_id)
                self.eraser.release(request_id)
                deferred = True
                time.sleep(1)
                continue
            with self._lock:
                self.finished.append(report)
        return False
