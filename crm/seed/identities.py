"""The demo users' outside accounts: staff on Slack, WeCom and the web, customers on the web (made-up ids; real ones
are linked by an admin with `tessera identities link`)."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.identities import STAFF_ROLES, ChannelIdentity
from crm.models import User


def demo_slack_id(login: str) -> str:
    """The made-up Slack user id of a seeded user, e.g. li.wei -> ULIWEI (real ids are linked by an admin)."""
    return "U" + re.sub(r"[^A-Z0-9]", "", login.upper())


def demo_wecom_id(login: str) -> str:
    """The made-up WeCom userid of a seeded user, e.g. li.wei -> LiWei."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", login) if part)


def seed_identities(session: Session) -> int:
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
