"""The part of the store a conversation may change, as a comparable snapshot (free-text columns left out)."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import Activity, Case, Deal
from crm.store import Store


def store_snapshot(store: Store) -> dict:
    with store.session() as s:
        return {
            "activities": _sorted((a.account_id, a.kind, a.user_id, a.contact_id, a.deal_id)
                                  for a in s.scalars(select(Activity))),
            "deal_stages": dict(s.execute(select(Deal.id, Deal.stage)).all()),
            "cases": _sorted((c.account_id, c.contact_id, c.kind, c.category, c.priority)
                             for c in s.scalars(select(Case))),
        }


def _sorted(rows) -> list[tuple]:
    return sorted(rows, key=lambda row: tuple("" if v is None else str(v) for v in row))
