"""The append-only audit log: every decision, token and request, each line hashed with the one before it."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from crm.privacy.models import AuditEntry

GENESIS = "0" * 64
_HEAD = "privacy.audit_head"  # session.info key: (seq, hash) of the last line this session knows


def _digest(prev_hash: str, seq: int, at: dt.datetime, event: str, actor: str, contact_id: int | None,
            category: str, purpose: str, allowed: bool | None, reason: str) -> str:
    body = json.dumps([prev_hash, seq, at.isoformat(timespec="microseconds"), event, actor, contact_id, category,
                       purpose, allowed, reason], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _head(session: Session) -> tuple[int, str]:
    if _HEAD not in session.info:
        if session.get_bind().dialect.name == "postgresql":  # serialise writers of the chain across processes
            session.execute(text("SELECT pg_advisory_xact_lock(27560)"))
        last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
        session.info[_HEAD] = (last[0], last[1]) if last else (0, GENESIS)
    return session.info[_HEAD]


def append(session: Session, *, event: str, actor: str, at: dt.datetime, contact_id: int | None = None,
           category: str = "", purpose: str = "", allowed: bool | None = None, reason: str = "") -> AuditEntry:
    """Add one line. Reasons name people by contact id only, so the log can outlive an erasure."""
    seq, prev = _head(session)
    at = at.replace(tzinfo=None)
    entry = AuditEntry(seq=seq + 1, at=at, event=event, actor=actor, contact_id=contact_id, category=category,
                       purpose=purpose, allowed=allowed, reason=reason, prev_hash=prev)
    entry.hash = _digest(prev, seq + 1, at, event, actor, contact_id, category, purpose, allowed, reason)
    session.add(entry)
    session.info[_HEAD] = (seq + 1, entry.hash)
    return entry


def forget_head(session: Session) -> None:
    """Call after a rollback so the next line re-reads the head from the store."""
    session.info.pop(_HEAD, None)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    problem: str = ""

    def __str__(self) -> str:
        return f"audit log intact: {self.entries} entries" if self.ok else f"audit log BROKEN: {self.problem}"


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; report the first line whose content or link does not match."""
    prev, expected_seq, count, last_id = GENESIS, 1, 0, 0
    while True:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)).all()
        if not rows:
            return ChainReport(True, count)
        for e in rows:
            if e.seq != expected_seq:
                return ChainReport(False, count, f"line {e.id}: sequence {e.seq}, expected {expected_seq} (a line was removed or inserted)")
            if e.prev_hash != prev:
                return ChainReport(False, count, f"line {e.id} (seq {e.seq}): does not link to the line before it")
            digest = _digest(e.prev_hash, e.seq, e.at, e.event, e.actor, e.contact_id, e.category, e.purpose,
                             e.allowed, e.reason)
            if digest != e.hash:
                return ChainReport(False, count, f"line {e.id} (seq {e.seq}, {e.event}): content changed after it was written")
            prev, expected_seq, count, last_id = e.hash, expected_seq + 1, count + 1, e.id
