"""Edge nodes enrolled with the centre: which site account each one serves, and the hash of its credential.

An admin enrolls a node (`tessera edge enroll NODE --account ID`); the credential is shown once and only its
SHA-256 is kept, as for API tokens. The centre talks only to enrolled, unrevoked nodes, and a node acts only on
its own site's account. Each node gets a service user (`edge-node:<id>`, role `edge_node`) so that what it causes
in the CRM (service cases) is attributed to it; that user is closed from the start, so no channel or token can
ever act as it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import DateTime, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.models import Account, Base, User, utcnow
from crm.privacy import audit

NODE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CREDENTIAL_PREFIX = "tsn_"
SERVICE_LOGIN_PREFIX = "edge-node:"
SERVICE_ROLE = "edge_node"


class EdgeNodeEnrollment(Base):
    """One edge node the centre will talk to: its site's account, its service user and its credential's hash."""

    __tablename__ = "edge_nodes"
    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    credential_hash: Mapped[str] = mapped_column(String(64), unique=True)
    enrolled_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    rotated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


@dataclass(frozen=True)
class EnrolledNode:
    """What the centre knows of a node: who it is, whose site it serves, and whether it may still talk."""

    node_id: str
    account_id: int
    user_id: int
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def as_dict(self) -> dict:
        return {"node_id": self.node_id, "account_id": self.account_id, "user_id": self.user_id,
                "created_at": self.created_at.isoformat(), "revoked_at": self.revoked_at and self.revoked_at.isoformat(),
                "active": self.active}


class NodeRefused(PermissionError):
    """The credential does not authenticate an enrolled, active node; the message says why and what to do."""


class AlreadyEnrolled(ValueError):
    """The node has a live credential already; rotate or revoke it instead."""


def credential_hash(credential: str) -> str:
    # 256 random bits: a fast hash is enough, there is nothing to brute-force
    return hashlib.sha256(credential.encode()).hexdigest()


def check_node_id(node_id: str) -> str:
    if not NODE_ID.match(node_id or ""):
        raise ValueError(f"node id {node_id!r} must be 1-64 letters, digits, '-' or '_'")
    return node_id


def enroll_node(session: Session, node_id: str, account_id: int, *, by: str = "", rotate: bool = False,
                now: dt.datetime | None = None) -> tuple[EnrolledNode, str]:
    """Enroll `node_id` for the site account `account_id`; returns the node and its credential (shown once).

    A node enrolled and active already is refused unless `rotate`: then it gets a new credential and the old one
    stops working. A revoked node may be enrolled again; it gets a new credential."""
    check_node_id(node_id)
    account = session.get(Account, account_id)
    if account is None:
        raise LookupError(f"no CRM account with id {account_id}; `tessera` shows accounts, e.g. ask 'list accounts'")
    now = now or utcnow()
    row = session.scalar(select(EdgeNodeEnrollment).where(EdgeNodeEnrollment.node_id == node_id))
    if row is not None and row.revoked_at is None and not rotate:
        raise AlreadyEnrolled(f"edge node '{node_id}' is enrolled already (account {row.account_id}, since "
                              f"{row.created_at:%Y-%m-%d}); `tessera edge enroll {node_id} --rotate` issues a new "
                              f"credential, `tessera edge revoke {node_id}` retires it")
    credential = CREDENTIAL_PREFIX + secrets.token_urlsafe(32)
    event = "edge.node_enrolled" if row is None or row.revoked_at is not None else "edge.node_credential_rotated"
    if row is None:
        row = EdgeNodeEnrollment(node_id=node_id, account_id=account_id, user_id=_service_user(session, node_id, account, now),
                                 credential_hash=credential_hash(credential), enrolled_by=by[:80], created_at=now)
        session.add(row)
    else:
        row.account_id, row.credential_hash, row.enrolled_by = account_id, credential_hash(credential), by[:80]
        row.rotated_at, row.revoked_at = now, None
    session.flush()
    audit.append(session, event=event, actor=by or "unknown", at=now, category="edge", allowed=True,
                 reason=f"edge node {node_id} for account {account_id}", details={"node_id": node_id, "account_id": account_id})
    return _plain(row), credential


def revoke_node(session: Session, node_id: str, *, by: str = "", now: dt.datetime | None = None) -> EnrolledNode:
    """From now on the centre refuses the node's credential (a connected node is cut off within seconds)."""
    row = session.scalar(select(EdgeNodeEnrollment).where(EdgeNodeEnrollment.node_id == node_id))
    if row is None:
        raise LookupError(f"no enrolled edge node '{node_id}'; `tessera edge nodes` lists them")
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()
        session.flush()
        audit.append(session, event="edge.node_revoked", actor=by or "unknown", at=row.revoked_at, category="edge",
                     allowed=True, reason=f"edge node {node_id}", details={"node_id": node_id})
    return _plain(row)


def enrolled_nodes(session: Session) -> list[EnrolledNode]:
    return [_plain(row) for row in session.scalars(select(EdgeNodeEnrollment).order_by(EdgeNodeEnrollment.node_id))]


def enrolled_node(session: Session, node_id: str) -> EnrolledNode | None:
    row = session.scalar(select(EdgeNodeEnrollment).where(EdgeNodeEnrollment.node_id == node_id))
    return _plain(row) if row is not None else None


def node_for_credential(session: Session, credential: str) -> EnrolledNode:
    """The active node behind `credential`, or NodeRefused (unknown or revoked)."""
    row = session.scalar(select(EdgeNodeEnrollment).where(EdgeNodeEnrollment.credential_hash == credential_hash(credential)))
    if row is None:
        raise NodeRefused("this edge credential is unknown; an admin enrolls a node with `tessera edge enroll NODE "
                          "--account ID` and gives it the credential printed then")
    if row.revoked_at is not None:
        raise NodeRefused(f"edge node '{row.node_id}' was revoked on {row.revoked_at:%Y-%m-%d %H:%M} UTC; "
                          f"enroll it again with `tessera edge enroll {row.node_id} --account ID`")
    return _plain(row)


def _service_user(session: Session, node_id: str, account: Account, now: dt.datetime) -> int:
    login = SERVICE_LOGIN_PREFIX + node_id
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        user = User(tenant_id=account.tenant_id, login=login, display_name=f"Edge node {node_id}", role=SERVICE_ROLE,
                    unit_id=None, disabled_at=now)  # closed: attribution only, it never signs in
        session.add(user)
        session.flush()
    return user.id


def _plain(row: EdgeNodeEnrollment) -> EnrolledNode:
    return EnrolledNode(node_id=row.node_id, account_id=row.account_id, user_id=row.user_id, created_at=row.created_at,
                        revoked_at=row.revoked_at)
