"""Which worker carries out a queued erasure: a claim with a lease on its `privacy_requests` row, so that when
several worker processes poll one queue each request is run by exactly one of them.

A claim is one UPDATE: on PostgreSQL its inner SELECT takes the row with FOR UPDATE SKIP LOCKED (a concurrent
claimer skips it and takes the next); on SQLite the statement is an atomic compare-and-set (the row is claimed only
if it is still claimable when the write lock is held). A claim lasts `LEASE` and is renewed while the work runs; a
worker that dies stops renewing, and once its lease has run out another worker takes the request over (erasure is
idempotent, so running the rest of a half-done request again is safe). Leases are kept in wall-clock UTC, not in
the business clock a test or a replay may fix."""
from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager

from sqlalchemy import and_, or_, select, update

from crm.models import utcnow
from crm.privacy.models import SubjectRequest
from crm.store import Store

LEASE = dt.timedelta(seconds=60)  # how long a claim holds without renewal; renewed every third of it


def worker_name() -> str:
    """This process, as a claim names it: host, pid and a random tag (a pid is reused after a restart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _claimable(now: dt.datetime):
    return and_(SubjectRequest.kind == "erase", SubjectRequest.status.in_(("verified", "in_progress")),
                or_(SubjectRequest.claimed_until.is_(None), SubjectRequest.claimed_until < now))


def claim_next(store: Store, worker: str, *, skip: Collection[int] = (), lease: dt.timedelta = LEASE) -> int | None:
    """Claim the oldest queued erasure that no live worker holds (not one of `skip`); its id, or None."""
    now = utcnow()
    oldest = select(SubjectRequest.id).where(_claimable(now)).order_by(SubjectRequest.id).limit(1)
    if skip:
        oldest = oldest.where(SubjectRequest.id.not_in(list(skip)))
    oldest = oldest.with_for_update(skip_locked=True).scalar_subquery()  # FOR UPDATE: PostgreSQL only
    with store.session() as s:
        return s.scalar(update(SubjectRequest).where(SubjectRequest.id == oldest, _claimable(now))
                        .values(claimed_by=worker, claimed_until=now + lease).returning(SubjectRequest.id))


def claim(store: Store, request_id: int, worker: str, *, lease: dt.timedelta = LEASE) -> bool:
    """Claim one request (or renew this worker's claim on it); False when another live worker holds it."""
    now = utcnow()
    with store.session() as s:
        return s.execute(update(SubjectRequest)
                         .where(SubjectRequest.id == request_id,
                                or_(_claimable(now), and_(SubjectRequest.claimed_by == worker,
                                                          SubjectRequest.status.in_(("verified", "in_progress")))))
                         .values(claimed_by=worker, claimed_until=now + lease)).rowcount == 1


def release(store: Store, request_id: int, worker: str) -> None:
    """Give a claim back (the request waits for its person's turn, or failed): any worker may take it now."""
    with store.session() as s:
        s.execute(update(SubjectRequest).where(SubjectRequest.id == request_id, SubjectRequest.claimed_by == worker)
                  .values(claimed_until=None))


@contextmanager
def renewed(store: Store, request_id: int, worker: str, *, lease: dt.timedelta = LEASE) -> Iterator[None]:
    """Keep renewing this worker's claim on `request_id` while the block runs."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(lease.total_seconds() / 3):
            claim(store, request_id, worker, lease=lease)

    thread = threading.Thread(target=renew, name=f"erasure-lease-{request_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
