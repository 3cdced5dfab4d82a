"""The person's vault: interaction data is deposited here first; the CRM reads it back only with a vault token."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.privacy.models import Provenance, VaultItem
from crm.privacy.tokens import VaultTokens


def deposit(session: Session, *, contact_id: int, category: str, content: str, channel: str, system: str,
            now: dt.datetime, purpose: str = "essential.service") -> VaultItem:
    """Keep one piece of interaction data in the person's vault, with where it came from."""
    item = VaultItem(contact_id=contact_id, category=category, content=content, channel=channel,
                     collected_at=now.replace(tzinfo=None))
    session.add(item)
    session.flush()
    session.add(Provenance(contact_id=contact_id, field=f"privacy_vault_items.{item.id}", category=category,
                           source_channel=channel, source_system=system, collected_at=now.replace(tzinfo=None),
                           collected_for=purpose, shared_with=[]))
    return item


def read(session: Session, tokens: VaultTokens, token: str, *, contact_id: int, category: str,
         now: dt.datetime) -> list[dict]:
    """The person's vault items of `category` (and its sub-categories), if the token allows it."""
    tokens.redeem(session, token, contact_id=contact_id, category=category, now=now)
    rows = session.scalars(select(VaultItem).where(VaultItem.contact_id == contact_id)
                           .order_by(VaultItem.collected_at)).all()
    return [{"item": r.id, "category": r.category, "content": r.content, "channel": r.channel,
             "collected_at": r.collected_at.isoformat()}
            for r in rows if r.category == category or r.category.startswith(category + ".")]
