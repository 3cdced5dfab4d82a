"""Who is calling from outside: the Tessera user behind a Slack, WeCom or web account (tables in crm/identities.py)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import Actor
from crm.identities import CHANNELS, ApiToken, ChannelIdentity  # noqa: F401  (the tables, re-exported)
from crm.logins import actor_of
from crm.models import User
from crm.seed.identities import demo_slack_id, demo_wecom_id  # noqa: F401  (the demo ids, re-exported)
from crm.seed.identities import seed_identities as seed_channels  # noqa: F401


class UnknownCaller(LookupError):
    """No Tessera user is linked to this outside account; the message says how to link one."""

    def __init__(self, channel: str, external_id: str):
        self.channel, self.external_id = channel, external_id
        super().__init__(f"your {channel} account '{external_id}' is not linked to a Tessera user; ask an admin to "
                         f"run `tessera identities link {channel} {external_id} <login>`")


def find_user(session: Session, channel: str, external_id: str) -> User | None:
    return session.scalar(select(User).join(ChannelIdentity, ChannelIdentity.user_id == User.id)
                          .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id))


def actor_for(session: Session, channel: str, external_id: str) -> Actor:
    """The Actor behind an outside account; `UnknownCaller`, or AccessDenied for a disabled or erased user."""
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


def external_id_of(session: Session, channel: str, login: str) -> str | None:
    """The outside account of `login` on `channel` (the first linked), e.g. to tell a requester the outcome."""
    return session.scalar(select(ChannelIdentity.external_id).join(User, User.id == ChannelIdentity.user_id)
                          .where(ChannelIdentity.channel == channel, User.login == login)
                          .order_by(ChannelIdentity.id).limit(1))
