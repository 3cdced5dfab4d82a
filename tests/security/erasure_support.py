"""Snapshots of every table, and which rows belong to a person, for the erasure collateral tests.

A row belongs to the person when a key says so: their contact row, rows carrying their contact id, their
users and those users' tokens, channel links and traces. Everything else must be byte-for-byte unchanged by
their erasure, or differ only where their own identifying values were replaced by the erased marker."""
from __future__ import annotations

import re

from sqlalchemy import select, text

from crm.models import User
from crm.store import Store
from tessera.schema import full_metadata

ERASED = "[erased]"
# The audit log's head row is where its last line is (a lock and a cache): it moves with every line appended, so it
# is compared as part of the log, whose new lines the tests check, not as a row of anyone's data.
# The vector memory's change log and cursors name records, never their values: a change to a note adds a log row
# naming it, and the test compares the note itself.
LOG_BOOKKEEPING = {"privacy_audit_head", "note_changes", "index_cursors", "data_versions"}


def snapshot(store: Store) -> dict[str, dict[tuple, tuple]]:
    """{table: {primary key: row}} for every table of the schema (but the log's head row)."""
    out = {}
    with store.engine.connect() as conn:
        for table in full_metadata().sorted_tables:
            if table.name in LOG_BOOKKEEPING:
                continue
            keys = [c.name for c in table.primary_key.columns] or [c.name for c in table.columns]
            rows = conn.execute(table.select()).mappings().all()
            out[table.name] = {tuple(r[k] for k in keys): tuple(r[c.name] for c in table.columns) for r in rows}
    return out


def owned_keys(store: Store, contact_id: int) -> dict[str, set[tuple]]:
    """The primary keys of the rows that belong to the person, table by table (before the erasure)."""
    meta = full_metadata()
    with store.engine.connect() as conn:
        users = conn.execute(select(User.id, User.login).where(User.contact_id == contact_id)).all()
        user_ids, logins = [u.id for u in users], [u.login for u in users]
        owned: dict[str, set[tuple]] = {}
        for table in meta.sorted_tables:
            keys = [c.name for c in table.primary_key.columns]
            cols = table.columns
            conditions = []
            if table.name == "contacts":
                conditions.append(cols["id"] == contact_id)
            if "contact_id" in cols:
                conditions.append(cols["contact_id"] == contact_id)
            if "user_id" in cols and table.name in ("api_tokens", "channel_identities") and user_ids:
                conditions.append(cols["user_id"].in_(user_ids))
            if table.name == "turn_traces" and logins:
                conditions.append(cols["user_login"].in_(logins))
            if not conditions or not keys:
                owned[table.name] = set()
                continue
            from sqlalchemy import or_

            rows = conn.execute(select(*[cols[k] for k in keys]).where(or_(*conditions))).all()
            owned[table.name] = {tuple(r) for r in rows}
    return owned


def changed_rows(before: dict, after: dict) -> dict[str, set[tuple]]:
    """Primary keys of rows added, removed or changed, table by table."""
    out = {}
    for table in before:
        b, a = before[table], after.get(table, {})
        keys = {k for k in b.keys() | a.keys() if b.get(k) != a.get(k)}
        if keys:
            out[table] = keys
    return out


def only_values_replaced(old: tuple, new: tuple, values: list[str]) -> bool:
    """Whether `new` is `old` with some of `values` replaced by the marker, and nothing else changed."""
    for o, n in zip(old, new):
        if o == n:
            continue
        if not isinstance(o, (str, dict, list)):
            return False
        o_text, n_text = str(o), str(n)
        pattern = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True) if v)
        if not pattern or re.sub(pattern, ERASED, o_text) != n_text:
            return False
    return True


def row_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return sum(conn.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar() for t in full_metadata().sorted_tables)
