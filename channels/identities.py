"""Who is calling from outside: channel accounts (Slack, WeCom, web) mapped to Tessera users, and API tokens."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.actor import Actor
from crm.models import Base, User, utcnow

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
    """A bearer token of one user; only its SHA-256 is stored, the token itself is shown once when issued."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class UnknownCaller(LookupError):
    """No Tessera user is linked to this outside account; the message says how to link one."""

    def __init__(self, channel: str, external_id: str):
        self.channel, self.external_id = channel, external_id
        super().__init__(f"your {channel} account '{external_id}' is not linked to a Tessera user; ask an admin to "
                         f"run `tessera identities link {channel} {external_id} <login>`")


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, login=user.login, role=user.role, unit_id=user.unit_id,
                 contact_id=user.contact_id, language=user.language)


def find_user(session: Session, channel: str, external_id: str) -> User | None:
    return session.scalar(select(User).join(ChannelIdentity, ChannelIdentity.user_id == User.id)
                          .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id))


def actor_for(session: Session, channel: str, external_id: str) -> Actor:
    """The Actor behind an outside account, or `UnknownCaller`."""
    user = find_user(session, channel, external_id)
    if user is None:
        raise UnknownCaller(channel, external_id)
    return actor_of(user)


def link(session: Session, channel: str, external_id: str, login: str) -> ChannelIdentity:
    """Link (or re-link) an outside account to a user; idempotent."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel '{channel}'; use one of {', '.join(CHANNELS)}")
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise LookupError(f"no Tessera user with login '{login}'")
    found = session.scalar(select(ChannelIdentity).where(ChannelIdentity.channel == channel,
                                                         ChannelIdentity.external_id == external_id))
    if found is None:
        found = ChannelIdentity(channel=channel, external_id=external_id, user_id=user.id)
        session.add(found)
    found.user_id = user.id
    session.flush()
    return found


def demo_slack_id(login: str) -> str:
    """The made-up Slack user id of a seeded user, e.g. li.wei -> ULIWEI (real ids are linked by an admin)."""
    return "U" + re.sub(r"[^A-Z0-9]", "", login.upper())


def demo_wecom_id(login: str) -> str:
    """The made-up WeCom userid of a seeded user, e.g. li.wei -> LiWei."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", login) if part)


def seed_channels(session: Session) -> int:
    """Link every seeded user: staff on Slack, WeCom and the web; customers on the web. Idempotent; returns new links."""
    existing = {(c, e) for c, e in session.execute(select(ChannelIdentity.channel, ChannelIdentity.external_id))}
    added = 0
    for user in session.scalars(select(User).order_by(User.id)):
        wanted = [("web", user.login)]
        if user.role in STAFF_ROLES:
            wanted += [("slack", demo_slack_id(user.login)), ("wecom", demo_wecom_id(user.login))]
        for channel, external_id in wanted:
            if (channel, external_id) not in existing:
                session.add(ChannelIdentity(channel=channel, external_id=external_id, user_id=user.id))
                existing.add((channel, external_id))
                added += 1
    session.flush()
    return added


def external_id_of(session: Session, channel: str, login: str) -> str | None:
    """The outside account of `login` on `channel` (the first linked), e.g. to tell a requester the outcome."""
    return session.scalar(select(ChannelIdentity.external_id).join(User, User.id == ChannelIdentity.user_id)
                          .where(ChannelIdentity.channel == channel, User.login == login)
                          .order_by(ChannelIdentity.id).limit(1))
