"""What a turn leaves behind besides the checkpoint: a journal row while it runs (so a turn cut short by a crash
is found and closed), and the Idempotency-Key of the request that started it (so a retry returns the first
result instead of acting twice). Neither holds personal data: messages and replies stay in the checkpoint and
the trace, which erasure reaches."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import DateTime, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.models import Base, utcnow


class TurnInFlight(Base):
    """A turn that started and has not yet been traced; one per thread (turns of a thread run one at a time)."""

    __tablename__ = "turns_in_flight"
    thread_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    turn_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[int] = mapped_column(Integer)
    messages_before: Mapped[int] = mapped_column(Integer)  # the thread's length before the turn's own message
    idempotency_id: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class IdempotentTurn(Base):
    """One Idempotency-Key of one user: the request it was first sent with and the turn that answered it."""

    __tablename__ = "idempotent_turns"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotent_turns_user_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    thread_id: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20), default="running")  # running, answered, failed
    turn_id: Mapped[str | None] = mapped_column(String(36))
    approval_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


def request_hash(**fields) -> str:
    """The fingerprint a key is bound to: the request's own fields, canonically serialized."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")
                          ).hexdigest()


def find_key(session: Session, user_id: int, key: str, *, remembered_for: dt.timedelta) -> IdempotentTurn | None:
    """The live record of `key` for this user; a record older than `remembered_for` is forgotten first."""
    session.execute(delete(IdempotentTurn).where(IdempotentTurn.user_id == user_id,
                                                 IdempotentTurn.created_at < utcnow() - remembered_for))
    return session.scalar(select(IdempotentTurn).where(IdempotentTurn.user_id == user_id, IdempotentTurn.key == key))


def claim_key(session: Session, user_id: int, key: str, fingerprint: str, thread_id: str) -> IdempotentTurn | None:
    """Records a new key as running; None when a concurrent request recorded it first (read it again)."""
    row = IdempotentTurn(user_id=user_id, key=key, request_hash=fingerprint, thread_id=thread_id, outcome="running")
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row
