"""Undo: what each write changed (record, field: old → new), kept per turn so its user can take it back.

`capture()` watches the sessions a write opens (SQLAlchemy flush events, so services need no bookkeeping of their
own) and collects the changes to records undo may restore: deals, activities, cases, contacts, competitor prices
and tasks, and the stage-history row a deal's move writes (undoing the move takes it out again). `record()` keeps them as one entry of the user's undo log; `undo_last()` restores the old values of the
user's latest turn that wrote something, or refuses: another user's writes, an irreversible write (an erasure, a
consent change, a closed deal, a booked discount), or a record changed again since.

Audit and history rows written beside a change (the audit chain, the autonomy trail) stay: they record that the
write happened, and the undo is recorded the same way.
"""
from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.actor import AccessDenied, Actor, Explained, NotFound
from crm.data_files import read_yaml
from crm.models import Base, utcnow
from crm.privacy.erasure import StoreErasureTarget

UNDOABLE = {"deals", "activities", "cases", "contacts", "competitor_prices", "tasks", "deal_stage_changes"}
# History rows written beside a change: undone with it (an undone stage move leaves the deal's stage history as it
# was before the move), and never a line of their own in what the user reads (the deal's stage line says it).
BESIDE = {"deal_stage_changes"}


class UndoEntry(Base):
    """One write of one tool call: what it changed, and whether undo may restore it."""

    __tablename__ = "undo_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    turn_id: Mapped[str] = mapped_column(String(64), index=True, default="")
    tool: Mapped[str] = mapped_column(String(80))
    changes: Mapped[list] = mapped_column(JSON, default=list)  # [{"table", "key", "op", "fields": {f: [old, new]}}]
    reversible: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class CannotUndo(Explained, ValueError):
    """Nothing to undo, an irreversible write, or a record changed since; the message says which and what to do."""


@cache
def _instead() -> dict:
    return read_yaml(Path(__file__).with_name("undo_instead.yaml"))


def what_to_do_instead(tool: str) -> dict[str, str]:
    """For a write undo may not take back, the request that changes it back, in English and Chinese."""
    return _instead().get(tool) or _instead()["default"]


@dataclass
class Written:
    """The changes one write made, collected while it ran."""

    changes: list[dict] = field(default_factory=list)

    def add(self, table: str, key: dict, op: str, fields: dict) -> None:
        for known in self.changes:  # the same record flushed twice: keep the first old value, the latest new one
            if known["table"] == table and known["key"] == key:
                for name, (old, new) in fields.items():
                    known["fields"][name] = [known["fields"].get(name, [old])[0], new]
                return
        self.changes.append({"table": table, "key": key, "op": op, "fields": fields})

    def report(self) -> list[dict]:
        """What was written, as a user reads it: record, field, old → new (a created record as one line)."""
        lines = []
        for change in self.changes:
            if change["table"] in BESIDE:
                continue
            record = _record_name(change)
            if change["op"] == "insert":
                lines.append({"record": record, "field": "(created)", "old": None, "new": _label(change)})
                continue
            for name, (old, new) in change["fields"].items():
                if name not in ("updated_at",):
                    lines.append({"record": record, "field": name, "old": _plain(old), "new": _plain(new)})
        return lines


_sink: ContextVar[tuple[Written, dict] | None] = ContextVar("undo_sink", default=None)


@contextmanager
def capture() -> Iterator[Written]:
    """Collects what the sessions opened inside the block change in undoable records."""
    written = Written()
    token = _sink.set((written, {}))
    try:
        yield written
    finally:
        _sink.reset(token)


@event.listens_for(Session, "before_flush")
def _remember_auto_columns(session: Session, flush_context, instances) -> None:
    """Columns set on every update (updated_at) are not in the attribute history: remember their old values."""
    sink = _sink.get()
    if sink is None:
        return
    for obj in session.dirty:
        table = getattr(obj, "__table__", None)
        if table is not None and table.name in UNDOABLE:
            auto = [c.key for c in table.columns if c.onupdate is not None]
            sink[1][id(obj)] = {c: _encode(getattr(obj, c)) for c in auto}


@event.listens_for(Session, "after_flush")
def _collect(session: Session, flush_context) -> None:
    sink = _sink.get()
    if sink is None:
        return
    written, auto = sink
    for obj in session.new:
        table = getattr(obj, "__table__", None)
        if table is not None and table.name in UNDOABLE:
            state = inspect(obj)
            values = {a.key: [None, _encode(getattr(obj, a.key))] for a in state.mapper.column_attrs}
            written.add(table.name, _key(state), "insert", values)
    for obj in session.dirty:
        table = getattr(obj, "__table__", None)
        if table is None or table.name not in UNDOABLE:
            continue
        state = inspect(obj)
        fields = {}
        for attr in state.mapper.column_attrs:
            history = state.attrs[attr.key].history
            if history.added and history.deleted and history.added[0] != history.deleted[0]:
                fields[attr.key] = [_encode(history.deleted[0]), _encode(history.added[0])]
        if fields:
            for name, old in auto.get(id(obj), {}).items():
                fields.setdefault(name, [old, None])
            written.add(table.name, _key(state), "update", fields)


def record(session: Session, actor: Actor, *, turn_id: str, tool: str, written: Written, reversible: bool,
           now: dt.datetime) -> UndoEntry:
    entry = UndoEntry(user_id=actor.user_id, turn_id=turn_id, tool=tool, changes=written.changes,
                      reversible=reversible and bool(written.changes), created_at=now)
    session.add(entry)
    session.flush()
    return entry


def undo_last(session: Session, actor: Actor, *, now: dt.datetime) -> dict:
    """Undoes the actor's latest turn that wrote something (every entry of it, newest first)."""
    latest = session.scalar(select(UndoEntry).where(UndoEntry.user_id == actor.user_id, UndoEntry.undone_at.is_(None))
                            .order_by(UndoEntry.id.desc()).limit(1))
    if latest is None:
        raise CannotUndo("there is nothing of yours to undo")
    entries = session.scalars(select(UndoEntry).where(UndoEntry.user_id == actor.user_id,
                                                      UndoEntry.undone_at.is_(None),
                                                      UndoEntry.turn_id == latest.turn_id)
                              .order_by(UndoEntry.id.desc())).all() if latest.turn_id else [latest]
    return _undo(session, actor, entries, now)


def undo_entry(session: Session, actor: Actor, entry_id: int, *, now: dt.datetime) -> dict:
    """Undoes one entry of the actor's own log; another user's entry is refused."""
    entry = session.get(UndoEntry, entry_id)
    if entry is None:
        raise NotFound(f"no write with undo id {entry_id}", kind="no_undo", id=entry_id)
    if entry.user_id != actor.user_id:
        raise AccessDenied(f"undo {entry_id} is another user's write; only they may undo it", kind="undo_not_yours",
                           id=entry_id)
    if entry.undone_at is not None:
        raise CannotUndo(f"undo {entry_id} was already undone at {entry.undone_at:%Y-%m-%d %H:%M}")
    return _undo(session, actor, [entry], now)


def _undo(session: Session, actor: Actor, entries: list[UndoEntry], now: dt.datetime) -> dict:
    blocked = [e for e in entries if not e.reversible]
    if blocked:
        instead = what_to_do_instead(blocked[0].tool)
        raise CannotUndo(f"the last write ({blocked[0].tool}) cannot be undone: it was confirmed as irreversible, "
                         f"or wrote nothing undo can restore; {instead['en']}", kind="irreversible_write",
                         tool=blocked[0].tool, instead=instead["en"], instead_zh=instead["zh"])
    restored = []
    for entry in entries:
        for change in reversed(entry.changes):
            restored += _restore(session, change)
        entry.undone_at = now
    session.flush()
    return {"done": f"undone: {', '.join(sorted({e.tool for e in entries}))}", "restored": restored,
            "undo_ids": [e.id for e in entries]}


def _restore(session: Session, change: dict) -> list[dict]:
    model = _model(change["table"])
    key = tuple(change["key"].values())
    row = session.get(model, key if len(key) > 1 else key[0])
    record = _record_name(change)
    if change["op"] == "insert":
        if row is None:
            return []
        session.delete(row)
        return [] if change["table"] in BESIDE else [
            {"record": record, "field": "(created)", "old": _label(change), "new": "(removed)"}]
    if row is None:
        raise CannotUndo(f"{record} no longer exists; there is nothing to restore")
    lines = []
    for name, (old, new) in change["fields"].items():
        current = _encode(getattr(row, name))
        if new is not None and current != new and name != "updated_at":
            raise CannotUndo(f"{record} {name} was changed again since (now {_plain(current)}); undo would "
                             f"overwrite that, so nothing was undone")
        setattr(row, name, _decode(old))
        if name != "updated_at":
            lines.append({"record": record, "field": name, "old": _plain(new), "new": _plain(old)})
    return lines


def _model(table: str):
    for mapper in Base.registry.mappers:
        if mapper.local_table is not None and mapper.local_table.name == table:
            return mapper.class_
    raise CannotUndo(f"records of '{table}' can no longer be restored")


def _key(state) -> dict:
    return {c.key: getattr(state.object, c.key) for c in state.mapper.primary_key}


NAMES = {"deals": "D-{}", "activities": "A-{}", "cases": "C-{}", "contacts": "contact #{}",
         "competitor_prices": "competitor price #{}", "tasks": "task #{}"}


def _record_name(change: dict) -> str:
    """As the tools name records: D-12, A-3001, C-7."""
    key = ",".join(str(v) for v in change["key"].values())
    return NAMES.get(change["table"], change["table"] + " #{}").format(key)


def _label(change: dict) -> str:
    fields = change["fields"]
    for name in ("subject", "title", "name", "price", "description"):  # description: a case, in its opener's words
        if name in fields:
            value = _plain(fields[name][1])
            return value if len(str(value)) <= 80 else str(value)[:79] + "…"
    return "a new record"


def _encode(value):
    """JSON-safe, and exact: dates, times and decimals keep their type, so undo restores the very value."""
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    return value


def _decode(value):
    if isinstance(value, dict) and len(value) == 1:
        (tag, text), = value.items()
        if tag == "$datetime":
            return dt.datetime.fromisoformat(text)
        if tag == "$date":
            return dt.date.fromisoformat(text)
        if tag == "$decimal":
            return decimal.Decimal(text)
    return value


def _plain(value):
    decoded = _decode(value)
    return decoded.isoformat() if isinstance(decoded, (dt.date, dt.datetime)) else (
        str(decoded) if isinstance(decoded, decimal.Decimal) else decoded)


class UndoErasure(StoreErasureTarget):
    """Erasure target for the undo log: the person's values in the old and new values it keeps."""

    name = "undo log"

    def _work(self, session: Session, subject, *, apply: bool) -> int:
        """The person's own records (their contact, rows carrying their contact id) leave the log whole, and the
        entry can no longer be undone (undo must not bring them back); their values elsewhere are replaced."""
        touched = 0
        for row in session.scalars(select(UndoEntry)):
            kept = [c for c in row.changes if not _belongs_to(c, subject.contact_id)]
            changes, n = subject.rewrite_value(kept)
            if n or len(kept) != len(row.changes):
                touched += 1
                if apply:
                    row.changes = changes
                    row.reversible = row.reversible and len(kept) == len(row.changes)
        return touched


def _belongs_to(change: dict, contact_id: int) -> bool:
    if change["table"] == "contacts" and change["key"].get("id") == contact_id:
        return True
    return contact_id in (change["fields"].get("contact_id") or [])
