"""Follow-ups at the centre: work orders from the edge become CRM records and webhook calls, each exactly once.

What a work order calls for (`due_actions`):
    service_case     a repair work order, or any work order closed with needs_case: one `crm.models.Case`
                     (kind "service") on the account the node was enrolled for, opened by the node's service
                     user; never on an account the synced record names (crm/edge_nodes.py)
    insurance_claim  an insurance_claim work order: one POST to the configured webhook
Exactly once: an outbox row keyed by (record id, action), under a unique constraint, is written in the same
transaction as the case (or as the pending webhook call); replays, duplicates and restarts find it and stop.
Webhooks are delivered from the outbox and retried with backoff until the receiver answers 2xx, always with
the same Idempotency-Key, so a retry after a lost answer is recognised by the receiver.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from sqlalchemy import JSON, DateTime, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm.edge_nodes import enrolled_node
from crm.models import Case
from crm.store import Store

log = logging.getLogger("edge_agent.followups")
CASE_PRIORITY = {"low": "low", "normal": "medium", "high": "high", "urgent": "urgent"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class OutboxBase(DeclarativeBase):
    pass


class EdgeOutbox(OutboxBase):
    """One follow-up of one edge record; the unique key is what makes it happen once."""

    __tablename__ = "edge_outbox"
    __table_args__ = (UniqueConstraint("record_id", "action", name="uq_edge_outbox_record_action"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(40))
    node_id: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))  # done (case opened), pending or delivered (webhooks)
    case_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


@dataclass
class FollowupConfig:
    webhook_url: str | None = None
    retry_base_s: float = 1.0
    retry_max_s: float = 300.0
    timeout_s: float = 5.0


def due_actions(work_order: dict) -> list[str]:
    f = work_order["fields"]
    actions = []
    if f.get("type") == "repair" or (f.get("status") == "closed" and f.get("needs_case")):
        actions.append("service_case")
    if f.get("type") == "insurance_claim":
        actions.append("insurance_claim")
    return actions


def idempotency_key(record_id: str, action: str) -> str:
    return f"edge:{record_id}:{action}"


class Followups:
    """Turns edge work orders into CRM cases and webhook calls through the outbox in the CRM store."""

    def __init__(self, store: Store, config: FollowupConfig):
        self.store = store
        self.config = config
        OutboxBase.metadata.create_all(store.engine)

    def fire(self, node_id: str, items: list[tuple[dict, str]]) -> dict[tuple[str, str], dict]:
        """Make each (work order, action) happen once; returns what was done (or found done) per pair.

        A pair that cannot happen yet (the node is not enrolled or was revoked, no webhook configured) is left out
        and tried again later.
        """
        for attempt in range(2):
            try:
                return self._fire_once(node_id, items)
            except IntegrityError:  # another centre process recorded one first: read again and skip it
                if attempt:
                    raise
        return {}

    def _fire_once(self, node_id: str, items: list[tuple[dict, str]]) -> dict[tuple[str, str], dict]:
        done: dict[tuple[str, str], dict] = {}
        with self.store.session() as session:
            ids = sorted({wo["id"] for wo, _ in items})
            existing = {(r.record_id, r.action): r for r in session.scalars(select(EdgeOutbox).where(EdgeOutbox.record_id.in_(ids)))}
            node = enrolled_node(session, node_id)
            for wo, action in items:
                key = (wo["id"], action)
                row = existing.get(key)
                if row is None:
                    row = self._new_row(session, node, node_id, wo, action)
                    if row is None:
                        continue
                    existing[key] = row
                    session.add(row)
                    session.flush()
                done[key] = {"action": action, "status": row.status, "case_id": row.case_id, "outbox_id": row.id}
        return done

    def _new_row(self, session, node, node_id: str, wo: dict, action: str) -> EdgeOutbox | None:
        f = wo["fields"]
        if node is None or not node.active:
            log.warning("work order %s of node %s is not followed up: the node is %s; `tessera edge enroll %s "
                        "--account ID` enrolls it", f.get("number"), node_id, "revoked" if node else "not enrolled", node_id)
            return None
        if action == "service_case":
            case = Case(
                account_id=node.account_id, opened_by=node.user_id, kind="service",
                category=f.get("type") or "maintenance", priority=CASE_PRIORITY.get(f.get("priority"), "medium"),
                description=_describe(node_id, wo),
                classification={"source": "edge", "node_id": node_id, "work_order_id": wo["id"], "number": f.get("number"),
                                "rule": "repair work order" if f.get("type") == "repair" else "closed with needs_case"},
            )
            session.add(case)
            session.flush()
            return EdgeOutbox(record_id=wo["id"], action=action, node_id=node_id, status="done", case_id=case.id, payload={})
        if action == "insurance_claim":
            if not self.config.webhook_url:
                log.warning("work order %s is an insurance claim but no webhook URL is configured (--webhook-url)", f.get("number"))
                return None
            payload = {"event": "edge.insurance_claim", "node_id": node_id, "work_order": _summary(wo, node.account_id)}
            return EdgeOutbox(record_id=wo["id"], action=action, node_id=node_id, status="pending", payload=payload, next_attempt_at=_now())
        raise ValueError(f"unknown follow-up action {action!r}")

    def deliver_due(self, limit: int = 50) -> int:
        """POST the pending webhook calls that are due; returns how many the receiver accepted."""
        with self.store.session() as session:
            due = [
                (row.id, row.record_id, row.action, row.payload, row.attempts)
                for row in session.scalars(
                    select(EdgeOutbox).where(EdgeOutbox.status == "pending", EdgeOutbox.next_attempt_at <= _now())
                    .order_by(EdgeOutbox.id).limit(limit)
                )
            ]
        delivered = 0
        for row_id, record_id, action, payload, attempts in due:
            error = self._post(payload, idempotency_key(record_id, action))
            with self.store.session() as session:
                row = session.get(EdgeOutbox, row_id)
                if error is None:
                    row.status, row.delivered_at, row.last_error = "delivered", _now(), ""
                    delivered += 1
                else:
                    row.attempts = attempts + 1
                    row.last_error = error
                    row.next_attempt_at = _now() + dt.timedelta(seconds=min(self.config.retry_base_s * 2**attempts, self.config.retry_max_s))
        return delivered

    def _post(self, payload: dict, key: str) -> str | None:
        request = urllib.request.Request(
            self.config.webhook_url, data=json.dumps(payload).encode(), method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": key},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout_s) as response:
                return None if 200 <= response.status < 300 else f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            return f"{type(exc).__name__}: {exc}"

    def pending_webhooks(self) -> int:
        with self.store.session() as session:
            return len(session.scalars(select(EdgeOutbox.id).where(EdgeOutbox.status == "pending")).all())


def _summary(wo: dict, account_id: int) -> dict:
    f = wo["fields"]
    keys = ("number", "title", "asset", "location", "type", "status", "priority", "assignee")
    return {"id": wo["id"], "origin": wo["origin"], "created_at": wo["created_at"], "account_id": account_id,
            **{k: f.get(k) for k in keys}}


def _describe(node_id: str, wo: dict) -> str:
    f = wo["fields"]
    where = ", ".join(x for x in (f.get("asset") and f"asset {f['asset']}", f.get("location") and f"at {f['location']}") if x)
    return f"{f.get('number')}: {f.get('title')}" + (f" ({where})" if where else "") + f". Edge work order from site {node_id}."
