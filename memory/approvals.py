"""Paused conversations waiting for a person's decision: which thread, who decides, and what they decided.

A decision is claimed under a row lock with a conditional update (`WHERE status = 'pending'`), so of two people
deciding one approval at once exactly one wins and the other is told it was already decided."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import JSON, DateTime, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.actor import AccessDenied, NotFound
from crm.autonomy import trail
from crm.autonomy.authority import escalation_deciders
from crm.models import Base, utcnow
from crm.privacy.erasure import StoreErasureTarget
from crm.store import Store

log = logging.getLogger("tessera.approvals")
CLAIMED = {True: "approving", False: "rejecting"}  # decided, the paused turn not yet resumed
FINAL = {True: "approved", False: "rejected"}


class PendingApproval(Base):
    __tablename__ = "pending_approvals"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the interrupt's id
    thread_id: Mapped[str] = mapped_column(String(200), index=True)
    requested_by: Mapped[str] = mapped_column(String(80))
    approver: Mapped[str | None] = mapped_column(String(80), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, approving/rejecting, approved,
    decided_by: Mapped[str | None] = mapped_column(String(80))        # rejected, failed
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AlreadyDecided(ValueError):
    """Someone decided this approval first (or is deciding it right now)."""


class NotADecider(AccessDenied):
    """`login` may not decide this approval; `allowed` may."""

    def __init__(self, login: str, allowed: set[str]):
        self.allowed = allowed
        who = " or ".join(sorted(allowed)) or "its named approver"
        super().__init__(f"{login} may not decide this: only {who} may (the approver it was sent to, or whom the "
                         "unit's contract names)")


def deciders(session: Session, row: PendingApproval) -> set[str]:
    """Who may decide: the requester for a confirmation of their own action; otherwise the named approver and,
    for a contract escalation, whoever the unit's contract names."""
    payload = row.payload or {}
    if payload.get("kind") == "confirm":
        return {row.requested_by}
    names = {payload["approver"]} if payload.get("approver") else set()
    if payload.get("type") == "contract_escalation" and payload.get("decision_id") is not None:
        names |= escalation_deciders(session, int(payload["decision_id"]))
    return names


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
        """Approvals waiting for `approver`: sent to them, or to a unit whose contract names them."""
        with self.store.session() as s:
            rows = s.scalars(select(PendingApproval).where(PendingApproval.status == "pending")
                             .order_by(PendingApproval.created_at)).all()
            return [r for r in rows if (r.payload or {}).get("kind") != "confirm"  # a user's own yes is no approval
                    and (r.approver == approver or approver in deciders(s, r))]

    def claim(self, approval_id: str, decided_by: str, approved: bool, note: str, now: dt.datetime | None = None,
              *, logged_as: dict[str, str] | None = None) -> PendingApproval:
        """Records `decided_by`'s decision as taken, once: AccessDenied unless they may decide (the attempt goes on
        the audit chain), AlreadyDecided when someone else decided first. The decision's line on the audit chain
        commits with the claim; the paused turn is resumed after this, then `settle` closes it. `logged_as` says how
        the log names each login (a customer by contact id, since the log outlives an erasure)."""
        now = (now or utcnow()).replace(tzinfo=None)
        name = (logged_as or {}).get
        try:
            return self._claim(approval_id, decided_by, approved, note, now, name)
        except NotADecider as refused:  # on the log as the log names people: a customer by contact id
            who = " or ".join(name(a, a) for a in sorted(refused.allowed)) or "its named approver"
            self.refuse(approval_id, name(decided_by, decided_by),
                        f"{name(decided_by, decided_by)} may not decide this; only {who} may", now=now)
            raise

    def _claim(self, approval_id, decided_by, approved, note, now, name) -> PendingApproval:
        with self.store.session() as s:
            row = s.scalar(select(PendingApproval).where(PendingApproval.id == approval_id).with_for_update())
            if row is None:
                raise NotFound(f"no approval with id '{approval_id}'")
            if row.status != "pending":
                raise AlreadyDecided(f"approval {approval_id} was already {_said(row.status)} by {row.decided_by}")
            allowed = deciders(s, row)
            if decided_by not in allowed:
                log.warning("approval %s: %s tried to decide; only %s may", approval_id, decided_by, sorted(allowed))
                raise NotADecider(decided_by, allowed)
            taken = s.execute(update(PendingApproval)
                              .where(PendingApproval.id == approval_id, PendingApproval.status == "pending")
                              .values(status=CLAIMED[approved], decided_by=decided_by, note=note, decided_at=now)
                              .execution_options(synchronize_session=False))
            if taken.rowcount != 1:  # SQLite has no row locks: the conditional update is the arbiter there
                current = s.get(PendingApproval, approval_id, populate_existing=True)
                raise AlreadyDecided(f"approval {approval_id} was already {_said(current.status)} by "
                                     f"{current.decided_by}")
            log.info("approval %s %s by %s%s", approval_id, FINAL[approved], decided_by, f": {note}" if note else "")
            kind = str(row.payload.get("type") or row.payload.get("kind") or "approval")
            trail.approval_decided(s, approval_id=approval_id, kind=kind, approved=approved,
                                   decided_by=name(decided_by, decided_by),
                                   requested_by=name(row.requested_by, row.requested_by),
                                   named_approver=name(row.approver, row.approver) if row.approver else None,
                                   decision=row.payload.get("decision"), now=now)
            return s.get(PendingApproval, approval_id, populate_existing=True)

    def settle(self, approval_id: str, *, failed: bool = False) -> None:
        """The resumed turn finished (or failed): the claimed decision becomes final."""
        with self.store.session() as s:
            row = s.get(PendingApproval, approval_id)
            if row is not None and row.status in CLAIMED.values():
                row.status = "failed" if failed else FINAL[row.status == "approving"]

    def close(self, approval_id: str, approved: bool, decided_by: str, note: str, now: dt.datetime | None = None,
              *, logged_as: dict[str, str] | None = None) -> None:
        """Claim and settle in one step (for callers that resume the turn themselves)."""
        self.claim(approval_id, decided_by, approved, note, now, logged_as=logged_as)
        self.settle(approval_id)

    def refuse(self, approval_id: str, by: str, why: str, now: dt.datetime | None = None) -> None:
        """Someone who may not decide tried to: the attempt goes on the audit chain (`by` and `why` as the log
        names people)."""
        with self.store.session() as s:
            trail.approval_refused(s, approval_id=approval_id, by=by, why=why,
                                   now=(now or utcnow()).replace(tzinfo=None))

    def unsettled(self, session: Session, thread_id: str) -> list[PendingApproval]:
        return list(session.scalars(select(PendingApproval).where(
            PendingApproval.thread_id == thread_id, PendingApproval.status.in_(tuple(CLAIMED.values())))))


class ApprovalErasure(StoreErasureTarget):
    """Erasure target for paused requests: the person's values in what waits for a decision, and its note."""

    name = "paused requests"

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


def _said(status: str) -> str:
    return {"approving": "approved", "rejecting": "rejected", "failed": "decided (its resumed turn then failed)"}.get(
        status, status)
