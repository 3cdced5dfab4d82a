"""The append-only audit log: every decision, token, request, autonomy decision and approval, each line hashed
with the one before it, and each writing transaction's head signed with a key outside the database (`anchor.py`).

Lines are linked when their transaction commits: the writer locks the one head row, takes the next sequence
numbers, hashes the batch, signs "lines first+1..last are mine and the chain ends on this hash" onto the batch's
last line, and inserts the batch, all in the transaction that wrote the lines. So concurrent writers never clash
on a sequence number, a rolled-back transaction leaves no line, the head lock is held only for the last moment of
a transaction (one head read and one insert batch), and every line Tessera wrote is under a signature. After the
commit the signed head is also appended to the heads file beside the key, which the database cannot reach.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import weakref

from sqlalchemy import bindparam, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from crm.privacy.anchor import ChainAnchor, SignedHead
from crm.privacy.models import AuditEntry, AuditHead

GENESIS = "0" * 64
_PENDING = "privacy.audit_pending"  # session.info: lines appended in this transaction, not yet linked
_SIGNED = "privacy.audit_signed"  # session.info: (anchor, head) to publish once the transaction committed
_anchors: weakref.WeakKeyDictionary[Engine, ChainAnchor] = weakref.WeakKeyDictionary()
_head, _log = AuditHead.__table__, AuditEntry.__table__
_COLUMNS = [c.name for c in _log.columns if c.name != "id"]
log = logging.getLogger(__name__)


def digest(prev_hash: str, seq: int, at: dt.datetime, event: str, actor: str, contact_id: int | None,
           category: str, purpose: str, allowed: bool | None, reason: str, details: dict | None = None) -> str:
    """The public recipe: SHA-256 over the canonical JSON of the line and the hash before it."""
    fields = [prev_hash, seq, at.isoformat(timespec="microseconds"), event, actor, contact_id, category, purpose,
              allowed, reason]
    if details is not None:  # lines written before details existed keep their original hashes
        fields.append(details)
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def line_digest(e) -> str:
    return digest(e.prev_hash, e.seq, e.at, e.event, e.actor, e.contact_id, e.category, e.purpose, e.allowed,
                  e.reason, e.details)


def anchor(engine: Engine, chain_anchor: ChainAnchor | None) -> None:
    """Sign the heads of the chain in the store behind `engine` with `chain_anchor` (None: stop signing)."""
    if chain_anchor is None:
        _anchors.pop(engine, None)
    else:
        chain_anchor.key  # noqa: B018 -- a missing or unusable key is an error at start, not at the first commit
        _anchors[engine] = chain_anchor


def anchor_of(session: Session) -> ChainAnchor | None:
    bind = session.get_bind()
    return _anchors.get(getattr(bind, "engine", bind))


def append(session: Session, *, event: str, actor: str, at: dt.datetime, contact_id: int | None = None,
           category: str = "", purpose: str = "", allowed: bool | None = None, reason: str = "",
           details: dict | None = None) -> AuditEntry:
    """Add one line; it is linked into the chain and inserted when the session commits (the returned object gets
    its seq and hash then, not an id). Reasons and details name people by contact id only, so the log can
    outlive an erasure."""
    details = json.loads(json.dumps(details, ensure_ascii=False)) if details is not None else None  # as stored
    entry = AuditEntry(at=at.replace(tzinfo=None), event=event, actor=actor,
                       contact_id=contact_id, category=category, purpose=purpose, allowed=allowed, reason=reason,
                       details=details)
    session.info.setdefault(_PENDING, []).append(entry)
    return entry


def verify(session: Session, chain_anchor: ChainAnchor | None = None, **options):
    """Check the chain against every signed head (`audit_verify.verify`); the store's own anchor by default."""
    from crm.privacy.audit_verify import verify as verify_chain

    return verify_chain(session, chain_anchor if chain_anchor is not None else anchor_of(session), **options)


def seal(session: Session, chain_anchor: ChainAnchor | None = None) -> SignedHead | None:
    """Sign where the chain ends now into the heads file (at start, after a migration or a seed run), so that lines
    written while nothing signed can no longer be cut off unnoticed; None when unanchored or empty."""
    chain_anchor = chain_anchor or anchor_of(session)
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    if chain_anchor is None or last is None:
        return None
    head = chain_anchor.sign(last.seq, last.seq, last.hash)
    chain_anchor.publish(head)  # it states what is committed already: no transaction to wait for
    return head


@event.listens_for(Session, "before_commit")
def _link_pending(session: Session) -> None:
    entries = session.info.get(_PENDING)
    if not entries or session.in_nested_transaction():
        return
    session.flush()  # the transaction's own rows first, so that the head lock is the last lock it takes
    session.info[_PENDING] = []
    chain_anchor = anchor_of(session)
    last, prev = _lock_head(session, len(entries))
    first = last - len(entries) + 1
    for offset, entry in enumerate(entries):
        entry.seq, entry.prev_hash = first + offset, prev
        entry.hash = prev = line_digest(entry)
    if chain_anchor is not None:  # the signature is not part of the hash: it vouches for the hash
        head = chain_anchor.sign(first - 1, last, prev)
        entries[-1].signed_head = head.stamp()
        session.info[_SIGNED] = (chain_anchor, head)
    session.execute(_SET_HEAD_HASH, {"head_hash": prev})
    session.execute(_INSERT_LINES, [{c: getattr(e, c) for c in _COLUMNS} for e in entries])  # one executemany


@event.listens_for(Session, "after_commit")
def _publish_head(session: Session) -> None:
    signed = session.info.pop(_SIGNED, None)
    if signed is None:
        return
    chain_anchor, head = signed
    try:
        chain_anchor.publish(head)
    except OSError as exc:  # the lines are committed; the next transaction's head will cover them
        log.error("audit head %s/%s not written to %s: %s", head.count, head.hash[:12], chain_anchor.heads_file, exc)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction is gone: so are its lines
        session.info.pop(_PENDING, None)
        session.info.pop(_SIGNED, None)


def _lock_head(session: Session, taking: int) -> tuple[int, str]:
    """Lock the head row (a write lock on SQLite, a row lock on PostgreSQL) and advance it by `taking` lines;
    returns the last sequence number taken and the hash the first new line links to."""
    row = session.execute(_BUMP_HEAD, {"taking": taking}).first()
    if row is None:  # a store migrated before the head row existed, or created without migrations
        _create_head(session)
        row = session.execute(_BUMP_HEAD, {"taking": taking}).first()
    return row.seq, row.hash


# built once: every writing transaction runs them, and building a statement costs more than running it
_BUMP_HEAD = (_head.update().where(_head.c.id == 1).values(seq=_head.c.seq + bindparam("taking"))
              .returning(_head.c.seq, _head.c.hash))
_SET_HEAD_HASH = _head.update().where(_head.c.id == 1).values(hash=bindparam("head_hash"))
_INSERT_LINES = _log.insert()


def _create_head(session: Session) -> None:
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    values = {"id": 1, "seq": last.seq if last else 0, "hash": last.hash if last else GENESIS}
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](_head).values(**values)
    session.execute(insert.on_conflict_do_nothing(index_elements=["id"]))
