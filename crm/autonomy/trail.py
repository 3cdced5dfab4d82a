"""Autonomy on the one audit chain: every contract decision, every escalation resolved or refused, every approval,
and a chained twin for each `autonomy_audit` row (the queryable table stays; the chain makes it tamper-evident).

Chained lines carry ids, logins, outcomes and numbers only: free text (a rep's reason, an approver's note, a
share's reason) stays in the tables and reaches the chain as the SHA-256 of the row it belongs to.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.autonomy.models import AutonomyAudit, ContractDecision
from crm.models import utcnow
from crm.privacy import audit

TABLE = "autonomy_audit"
_ALLOWED = {"accept": True, "reject": False}  # needs_evidence and escalated are neither yet


def content_digest(row_id: int, unit_id: int | None, actor: str, event: str, details: dict,
                   created_at: dt.datetime) -> str:
    """What an autonomy_audit row says, hashed: its twin on the chain carries this."""
    body = json.dumps([row_id, unit_id, actor, event, details, created_at.isoformat(timespec="microseconds")],
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(session: Session, *, unit_id: int | None, actor: str, event: str, details: dict,
           now: dt.datetime | None = None, chained: dict | None = None, summary: str = "") -> AutonomyAudit:
    """Write an autonomy_audit row and its twin on the chain, in the caller's transaction. `chained` holds facts
    (ids, outcomes) to put on the chain in clear; `summary` is the line's one-sentence reason."""
    row = AutonomyAudit(unit_id=unit_id, actor=actor, event=event, created_at=(now or utcnow()).replace(tzinfo=None),
                        details=json.loads(json.dumps(details, ensure_ascii=False, default=str)))
    session.add(row)
    session.flush()  # the row's id is part of its twin
    twin = {"table": TABLE, "id": row.id,
            "sha256": content_digest(row.id, unit_id, actor, event, row.details, row.created_at)}
    audit.append(session, event=f"autonomy.{event}", actor=actor, at=row.created_at, category="autonomy",
                 reason=summary, details={**(chained or {}), "unit_id": unit_id, "twin": twin})
    return row


def twin_rows(session: Session) -> Iterator[tuple[int, str]]:
    """Every autonomy_audit row as (id, content digest), for `tessera audit verify` to compare with the chain."""
    rows = session.execute(select(AutonomyAudit.id, AutonomyAudit.unit_id, AutonomyAudit.actor, AutonomyAudit.event,
                                  AutonomyAudit.details, AutonomyAudit.created_at).order_by(AutonomyAudit.id))
    for r in rows:
        yield r.id, content_digest(r.id, r.unit_id, r.actor, r.event, r.details, r.created_at)


def decision_made(session: Session, row: ContractDecision, now: dt.datetime) -> None:
    """The contract engine decided a request (accept, needs evidence, reject, escalate): who asked, what came out."""
    rule = f" ({row.rule})" if row.rule else ""
    to = f" to {row.escalate_to}" if row.outcome == "escalated" else ""
    audit.append(session, event="autonomy.decision", actor=row.requested_by, at=now, category=row.kind,
                 purpose="autonomy.contract", allowed=_ALLOWED.get(row.outcome),
                 reason=f"CD-{row.id} on D-{row.deal_id}: {row.outcome}{to}{rule}",
                 details={"decision": row.id, "revision": row.revision, "unit_id": row.unit_id, "deal_id": row.deal_id,
                          "kind": row.kind, "percent": (row.request or {}).get("percent"), "outcome": row.outcome,
                          "rule": row.rule, "booked": str(row.booked or 0), "escalate_to": row.escalate_to,
                          "contract_version": row.contract_version})


def escalation_resolved(session: Session, *, decision_id: int, unit_id: int, approver: str, approved: bool,
                        outcome: str, note: str, now: dt.datetime) -> None:
    verdict = "approved" if approved else "declined"
    record(session, unit_id=unit_id, actor=approver, event="escalation_resolved", now=now,
           details={"decision": decision_id, "approved": approved, "outcome": outcome, "note": note},
           chained={"decision": decision_id, "approved": approved, "outcome": outcome},
           summary=f"CD-{decision_id} {verdict} by {approver}: {outcome}")


def escalation_refused(session: Session, *, decision_id: int, unit_id: int, by: str, why: str,
                       now: dt.datetime) -> None:
    """Someone tried to decide an escalation they may not decide: kept, with who tried."""
    audit.append(session, event="autonomy.decision_refused", actor=by, at=now, category="autonomy", allowed=False,
                 reason=f"CD-{decision_id}: {why}", details={"decision": decision_id, "unit_id": unit_id})


def approval_decided(session: Session, *, approval_id: str, kind: str, approved: bool, decided_by: str,
                     requested_by: str, named_approver: str | None, decision: str | None, now: dt.datetime) -> None:
    """A paused request was approved or rejected: by whom, for whom, when (any channel's path ends here)."""
    verdict = "approved" if approved else "rejected"
    audit.append(session, event="approval.decided", actor=decided_by, at=now, category=kind or "approval",
                 allowed=approved, reason=f"approval {approval_id} {verdict} by {decided_by}, asked by {requested_by}",
                 details={"approval": approval_id, "approved": approved, "requested_by": requested_by,
                          "named_approver": named_approver, "decision": decision})


def approval_refused(session: Session, *, approval_id: str, by: str, why: str, now: dt.datetime) -> None:
    audit.append(session, event="approval.refused", actor=by, at=now, category="approval", allowed=False,
                 reason=f"approval {approval_id}: {why}", details={"approval": approval_id})
