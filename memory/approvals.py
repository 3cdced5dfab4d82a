"""Paused conversations waiting for a person's decision: which thread, who decides, and what they decided."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from crm.autonomy import trail
from crm.models import Base, utcnow
from crm.store import Store


class PendingApproval(Base):
    __tablename__ = "pending_approvals"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the interrupt's id
    thread_id: Mapped[str] = mapped_column(String(200), index=True)
    requested_by: Mapped[str] = mapped_column(String(80))
    approver: Mapped[str | None] = mapped_column(String(80), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, approved, rejected
    decided_by: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ApprovalBook:
    def __init__(self, store: Store):
        self.store = store

    def open(self, approval_id: str, thread_id: str, requested_by: str, payload: dict) -> None:
        with self.store.session() as s:
            if s.get(PendingApproval, approval_id) is None:
                s.add(PendingApproval(id=approval_id, thread_id=thread_id, requested_by=requested_by,
                                      approver=payload.get("approver"), payload=payload))

    def get(self, approval_id: str) -> PendingApproval | None:
        with self.store.session() as s:
            return s.get(PendingApproval, approval_id)

    def pending_for(self, approver: str) -> list[PendingApproval]:
        with self.store.session() as s:
            q = select(PendingApproval).where(PendingApproval.status == "pending", PendingApproval.approver == approver)
            return list(s.scalars(q.order_by(PendingApproval.created_at)))

    def close(self, approval_id: str, approved: bool, decided_by: str, note: str, now: dt.datetime | None = None,
              *, logged_as: dict[str, str] | None = None) -> None:
        """Record the decision; its line on the audit chain commits with it. `logged_as` says how the log names
        each login (a customer by contact id, since the log outlives an erasure)."""
        now = (now or utcnow()).replace(tzinfo=None)
        name = (logged_as or {}).get
        with self.store.session() as s:
            row = s.get(PendingApproval, approval_id)
            row.status = "approved" if approved else "rejected"
            row.decided_by, row.note, row.decided_at = decided_by, note, now
            kind = str(row.payload.get("type") or row.payload.get("kind") or "approval")
            trail.approval_decided(s, approval_id=approval_id, kind=kind, approved=approved,
                                   decided_by=name(decided_by, decided_by),
                                   requested_by=name(row.requested_by, row.requested_by),
                                   named_approver=name(row.approver, row.approver) if row.approver else None,
                                   decision=row.payload.get("decision"), now=now)

    def refuse(self, approval_id: str, by: str, why: str, now: dt.datetime | None = None) -> None:
        """Someone who may not decide tried to: the attempt goes on the audit chain (`by` and `why` as the log
        names people)."""
        with self.store.session() as s:
            trail.approval_refused(s, approval_id=approval_id, by=by, why=why, now=(now or utcnow()).replace(tzinfo=None))


class ApprovalErasure:
    """Erasure target for paused requests: the person's values in what waits for a decision, and its note."""

    name = "paused requests"

    def __init__(self, store: Store):
        self.store = store

    def count(self, subject) -> int:
        with self.store.session() as s:
            try:
                return self._work(s, subject, apply=False)
            finally:
                s.rollback()

    def erase(self, subject) -> int:
        with self.store.session() as s:
            return self._work(s, subject, apply=True)

    def _work(self, session, subject, *, apply: bool) -> int:
        touched = 0
        for row in session.scalars(select(PendingApproval)):
            payload, n = subject.rewrite_value(row.payload)
            note, m = subject.rewrite(row.note or "")
            people = [subject.erased_login(getattr(row, c)) if getattr(row, c) else getattr(row, c)
                      for c in ("requested_by", "approver", "decided_by")]
            renamed = people != [row.requested_by, row.approver, row.decided_by]
            if n or m or renamed:
                touched += 1
                if apply:
                    row.payload, row.note = payload, note
                    row.requested_by, row.approver, row.decided_by = people
        return touched
