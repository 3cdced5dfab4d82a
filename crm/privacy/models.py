"""Privacy tables on the CRM metadata: consents, provenance, field history, vault, tokens, requests, audit log.

None of these tables holds a copy of a personal value except the vault and the field history, which erasure
clears; the others refer to the person by contact id only, so they can be kept where a rule requires it.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.models import Base, personal, utcnow


class ConsentRecord(Base):
    """One consent event (given or refused) for a person, category and purpose; never updated, only added."""

    __tablename__ = "privacy_consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[str] = mapped_column(String(36), unique=True)
    contact_id: Mapped[int] = mapped_column(Integer, index=True)  # no FK: the history outlives erasure
    category: Mapped[str] = mapped_column(String(80))
    purpose: Mapped[str] = mapped_column(String(80))
    granted: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(String(40))  # web_form, chat, api, paper, event, ...
    notice: Mapped[str] = mapped_column(Text)  # the wording shown when consent was asked
    notice_language: Mapped[str] = mapped_column(String(8), default="en")
    recorded_by: Mapped[str] = mapped_column(String(80))  # login of who recorded it (the person or staff)


class Provenance(Base):
    """Where one personal value came from, for what purpose it was collected, and with whom it was shared."""

    __tablename__ = "privacy_provenance"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, index=True)
    field: Mapped[str] = mapped_column(String(80))  # "contacts.phone"
    category: Mapped[str] = mapped_column(String(80))
    source_channel: Mapped[str] = mapped_column(String(40))
    source_system: Mapped[str] = mapped_column(String(80))
    source_detail: Mapped[str] = mapped_column(Text, default="")  # "business card, Medica 2025"; no values
    collected_at: Mapped[dt.datetime] = mapped_column(DateTime)
    collected_for: Mapped[str] = mapped_column(String(80))
    shared_with: Mapped[list] = mapped_column(JSON, default=list)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class FieldHistory(Base):
    """A rectification: the value before and after, kept so a correction can be shown and undone."""

    __tablename__ = "privacy_field_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, index=True)
    field: Mapped[str] = mapped_column(String(80))
    old_value: Mapped[str] = mapped_column(Text, info=personal("user", "legal_obligation"))
    new_value: Mapped[str] = mapped_column(Text, info=personal("user", "legal_obligation"))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    request_id: Mapped[int | None] = mapped_column(Integer)


class VaultItem(Base):
    """Interaction data held in the person's vault; the CRM reads it only with a vault token."""

    __tablename__ = "privacy_vault_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, index=True)
    category: Mapped[str] = mapped_column(String(80))
    content: Mapped[str] = mapped_column(Text, info=personal("user"))  # each item names its own category
    channel: Mapped[str] = mapped_column(String(40))
    collected_at: Mapped[dt.datetime] = mapped_column(DateTime)


class VaultToken(Base):
    """Every vault token issued: its jti, scope and lifetime, and when a single-use token was redeemed."""

    __tablename__ = "privacy_vault_tokens"
    jti: Mapped[str] = mapped_column(String(36), primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, index=True)
    category: Mapped[str] = mapped_column(String(80))
    purpose: Mapped[str] = mapped_column(String(80))
    client_id: Mapped[str] = mapped_column(String(80))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    single_use: Mapped[bool] = mapped_column(Boolean, default=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SubjectRequest(Base):
    """A data-subject request (access, export, rectify, erase, consent) and its lifecycle."""

    __tablename__ = "privacy_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(80), default="user")
    channel: Mapped[str] = mapped_column(String(20))  # chat, api, cli
    status: Mapped[str] = mapped_column(String(20), default="received")
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[list] = mapped_column(JSON, default=list)  # [{"status", "at", "note"}]; notes hold no values
    claimed_by: Mapped[str | None] = mapped_column(String(120))  # the worker carrying out an erasure (erasure_claims)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime)  # its lease, wall-clock UTC


class AuditEntry(Base):
    """One line of the append-only, hash-chained audit log (`crm/privacy/audit.py` links it at commit)."""

    __tablename__ = "privacy_audit_log"
    __table_args__ = (UniqueConstraint("seq"),)  # a last guard: writers take the head row's lock before linking
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    event: Mapped[str] = mapped_column(String(40))  # decision, token_issued, token_refused, request, consent
    actor: Mapped[str] = mapped_column(String(80))
    contact_id: Mapped[int | None] = mapped_column(Integer, index=True)
    category: Mapped[str] = mapped_column(String(80), default="")
    purpose: Mapped[str] = mapped_column(String(80), default="")
    allowed: Mapped[bool | None] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict | None] = mapped_column(JSON)  # structured facts (ids, outcomes); hashed when present
    # on the last line of each signing transaction: {"from", "at", "key", "sig"}, the Ed25519 signature over
    # (from, seq, hash, at): "lines from+1..seq were written by Tessera, and the chain then ended on this hash"
    signed_head: Mapped[dict | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's one head row: a writer locks it to take the next sequence numbers, so no two clash."""

    __tablename__ = "privacy_audit_head"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # always 1
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
