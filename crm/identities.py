"""Who a user is outside Tessera: the channel accounts (Slack, WeCom, web) that speak as them, and their API tokens
(only a hash is kept). The tables live in the domain so that the runtime, seeding and erasure reach them without
importing a channel; the channels' lookups and the token checks are in channels/identities.py and channels/auth.py."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.models import Base, utcnow

CHANNELS = ("slack", "wecom", "web")
STAFF_ROLES = ("rep", "manager", "admin", "prompt_engineer")


class ChannelIdentity(Base):
    """One outside account (a Slack user id, a WeCom userid, a web login) that speaks as one Tessera user."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_channel_identities_external"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ApiToken(Base):
    """A bearer token of one user; only its SHA-256 is stored, the token itself is shown once when issued.

    It works until `expires_at` (UTC), for the API areas named in `scopes` (space-separated, as in OAuth)."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    scopes: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
