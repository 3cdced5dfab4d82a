"""Data-subject requests and their lifecycle: received -> verified -> in_progress -> done | refused (with reason)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.privacy import audit
from crm.privacy.models import SubjectRequest
from crm.privacy.taxonomy import Taxonomy, default_taxonomy

KINDS = ("access", "export", "rectify", "erase", "consent")
NEXT = {"received": ("verified", "refused"), "verified": ("in_progress", "refused"),
        "in_progress": ("done", "refused"), "done": (), "refused": ()}


def open_request(session: Session, *, contact_id: int, kind: str, channel: str, now: dt.datetime, by: str,
                 scope: str = "user", verified: bool = True, tax: Taxonomy | None = None) -> SubjectRequest:
    """Register a request; a signed-in customer is verified at once (identity checked by their login)."""
    if kind not in KINDS:
        raise ValueError(f"unknown request kind '{kind}'; kinds are {', '.join(KINDS)}")
    now = now.replace(tzinfo=None)
    req = SubjectRequest(contact_id=contact_id, kind=kind, scope=scope, channel=channel, status="received",
                         received_at=now, due_at=now + (tax or default_taxonomy()).deadline, reason="",
                         steps=[{"status": "received", "at": now.isoformat(), "note": f"via {channel} by {by}"}])
    session.add(req)
    session.flush()
    audit.append(session, event="request", actor=by, at=now, contact_id=contact_id, category=scope, purpose=kind,
                 reason=f"request {req.id} received via {channel}, due {req.due_at.date().isoformat()}")
    if verified:
        move(session, req, "verified", now=now, by=by, note="identity verified by sign-in")
    return req


def move(session: Session, req: SubjectRequest, status: str, *, now: dt.datetime, by: str, note: str = "") -> None:
    if status not in NEXT[req.status]:
        raise ValueError(f"request {req.id} is {req.status}; it can move to {', '.join(NEXT[req.status]) or 'nothing'}")
    req.status = status
    req.steps = [*req.steps, {"status": status, "at": now.replace(tzinfo=None).isoformat(), "note": note}]
    if status in ("done", "refused"):
        req.closed_at = now.replace(tzinfo=None)
        req.reason = note
    audit.append(session, event="request", actor=by, at=now, contact_id=req.contact_id, category=req.scope,
                 purpose=req.kind, allowed=None if status not in ("done", "refused") else status == "done",
                 reason=f"request {req.id} {status}{': ' + note if note else ''}")


def finish(session: Session, req: SubjectRequest, *, now: dt.datetime, by: str, note: str = "") -> SubjectRequest:
    """Walk a verified request through in_progress to done."""
    if req.status == "verified":
        move(session, req, "in_progress", now=now, by=by)
    move(session, req, "done", now=now, by=by, note=note)
    return req


def for_person(session: Session, contact_id: int) -> list[SubjectRequest]:
    return list(session.scalars(select(SubjectRequest).where(SubjectRequest.contact_id == contact_id)
                                .order_by(SubjectRequest.id)))


def pending_erasures(session: Session) -> list[SubjectRequest]:
    """Erasures accepted and not finished: queued in chat, or cut short by a crash (erasure is idempotent)."""
    return list(session.scalars(select(SubjectRequest).where(SubjectRequest.kind == "erase",
                                                             SubjectRequest.status.in_(("verified", "in_progress")))
                                .order_by(SubjectRequest.id)))


def public(req: SubjectRequest) -> dict:
    return {"request": req.id, "kind": req.kind, "scope": req.scope, "status": req.status, "channel": req.channel,
            "received": req.received_at.isoformat(), "due": req.due_at.date().isoformat(),
            "closed": req.closed_at.isoformat() if req.closed_at else None, "reason": req.reason, "steps": req.steps}
