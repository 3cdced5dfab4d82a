"""The part of the store a conversation may change, as a comparable snapshot (free-text columns left out), and a
fingerprint of every business table to tell whether a turn wrote anything at all."""
from __future__ import annotations

import hashlib

from sqlalchemy import inspect, select, text

from crm.models import Activity, Case, Deal
from crm.store import Store

# Logs of reading and of turns: a question may append to these (reads of personal data are audited).
NOT_BUSINESS_DATA = frozenset({
    "alembic_version", "seed_runs", "turn_traces", "idempotent_turns", "turns_in_flight", "privacy_audit_log",
    "privacy_audit_head", "autonomy_audit", "undo_log",
    "note_changes", "index_cursors",  # the vector memory's change log and cursors: indexing, not business data
    "data_versions"})  # change counters the caches read (crm/data_versions.py)
# A plan shown for the user's yes is kept like an approval (kind "confirm"); shown or answered, it is no business
# data: what the yes did is graded by the tables it wrote.
NOT_A_CONFIRMATION = """ WHERE "payload" NOT LIKE '%"kind": "confirm"%'"""


def store_snapshot(store: Store) -> dict:
    with store.session() as s:
        return {
            "activities": _sorted((a.account_id, a.kind, a.user_id, a.contact_id, a.deal_id)
                                  for a in s.scalars(select(Activity))),
            "deal_stages": dict(s.execute(select(Deal.id, Deal.stage)).all()),
            "cases": _sorted((c.account_id, c.contact_id, c.kind, c.category, c.priority)
                             for c in s.scalars(select(Case))),
            **{table: _rows(store, table, columns) for table, columns in WRITE_TOOL_COLUMNS.items()},
        }


# What the other write tools change, by the columns that carry meaning (not the user's wording, ids or times):
# consents, corrections and erasure, competitor prices, discount and quote decisions, approvals, privacy requests.
WRITE_TOOL_COLUMNS = {
    "privacy_consents": ("contact_id", "category", "purpose", "granted"),
    "contacts": ("id", "full_name", "email", "phone", "city"),
    "competitor_prices": ("unit_id", "product_id", "region", "price", "competitor"),
    "contract_decisions": ("unit_id", "deal_id", "kind", "outcome", "booked"),
    "pending_approvals": ("requested_by", "approver", "status"),
    "budget_pools": ("unit_id", "pool", "used_amount"),
    "privacy_requests": ("contact_id", "kind", "status"),
    "tasks": ("owner_id", "account_id", "contact_id", "deal_id", "due_at", "status"),
    "prompt_labels": ("prompt", "label", "version"),  # which prompt version production and staging run
}


def _rows(store: Store, table: str, columns: tuple[str, ...]) -> list[tuple]:
    with store.engine.connect() as conn:
        if table not in inspect(conn).get_table_names():
            return []
        quoted = ", ".join(f'"{c}"' for c in columns)
        where = NOT_A_CONFIRMATION if table == "pending_approvals" else ""
        return _sorted(tuple(r) for r in conn.execute(text(f'SELECT {quoted} FROM "{table}"{where}')))


def business_fingerprint(store: Store, only: frozenset[str] | None = None) -> dict[str, str]:
    """table -> hash of its rows, for every table that holds business data (or only the named ones)."""
    out = {}
    with store.engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            if table in NOT_BUSINESS_DATA or (only is not None and table not in only):
                continue
            where = NOT_A_CONFIRMATION if table == "pending_approvals" else ""
            rows = conn.execute(text(f'SELECT * FROM "{table}"{where}')).all()
            digest = hashlib.sha256()
            for row in sorted(repr(tuple(r)) for r in rows):
                digest.update(row.encode())
            out[table] = f"{len(rows)}:{digest.hexdigest()[:16]}"
    return out


def written_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


def _sorted(rows) -> list[tuple]:
    return sorted(rows, key=lambda row: tuple("" if v is None else str(v) for v in row))
