"""Erasure that reaches every copy: store rows, provenance, vault, vector memory, checkpoints, traces.

Identifying values (name, email, phone, notes' texts) are collected first; every place is then searched for
the person's id and for those values. SQLite files are rewritten afterwards (secure_delete, WAL truncate,
VACUUM) so no deleted value survives in freed pages. What a legal rule requires is kept and the rule named.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select, text
from sqlalchemy.orm import Session

from crm.models import Activity, Case, Contact, User
from crm.privacy import pdp, requests
from crm.privacy.labels import personal_columns
from crm.privacy.models import FieldHistory, Provenance, SubjectRequest, VaultItem, VaultToken
from crm.privacy.taxonomy import Taxonomy, covers, default_taxonomy
from crm.store import Store

ERASED = "[erased]"
IDENTIFYING = ("full_name", "email", "phone")  # searched for everywhere; city or title would match strangers
MIN_TEXT = 8  # free texts shorter than this are not searched for (too likely to match unrelated records)


@dataclass
class ErasureReport:
    request: int
    scope: str
    erased: dict[str, int] = field(default_factory=dict)
    kept: list[dict] = field(default_factory=list)
    values: list[str] = field(default_factory=list, repr=False)  # never returned to callers

    def public(self) -> dict:
        return {"request": self.request, "scope": self.scope, "erased": self.erased, "kept": self.kept}


def erase_in_store(session: Session, req: SubjectRequest, now: dt.datetime, *, by: str,
                   tax: Taxonomy | None = None) -> ErasureReport:
    """The store part: rewrite or delete the person's rows within `req.scope`; returns the values to hunt."""
    tax = tax or default_taxonomy()
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete=ON"))  # overwrite deleted cells instead of freeing them
    scope, cid = req.scope, req.contact_id
    report = ErasureReport(request=req.id, scope=scope)
    contact = session.get(Contact, cid)
    columns = {c: lab for c, lab in personal_columns(Contact.__table__).items() if covers(scope, lab.category)}
    values = [getattr(contact, c) for c in columns if c in IDENTIFYING and contact is not None]
    history = session.scalars(select(FieldHistory).where(FieldHistory.contact_id == cid)).all()
    values += [v for h in history if h.field.removeprefix("contacts.") in columns for v in (h.old_value, h.new_value)]
    vault = [v for v in session.scalars(select(VaultItem).where(VaultItem.contact_id == cid)) if covers(scope, v.category)]
    values += [v.content for v in vault if len(v.content) >= MIN_TEXT]
    interactions = covers(scope, "user.behavior.interaction")
    if interactions:
        for a in session.scalars(select(Activity).where(Activity.contact_id == cid)):
            values += [t for t in (a.subject, a.body) if t and len(t) >= MIN_TEXT and t != ERASED]
        for c in session.scalars(select(Case).where(Case.contact_id == cid)):
            values += [c.description] if c.description and len(c.description) >= MIN_TEXT and c.description != ERASED else []
    report.values = sorted({v for v in values if v and v != ERASED})

    if contact is not None:
        for column in columns:
            setattr(contact, column, ERASED)
        report.erased["contact fields"] = len(columns)
    report.erased["field history"] = _delete(session, FieldHistory, FieldHistory.contact_id == cid,
                                             FieldHistory.field.in_([f"contacts.{c}" for c in columns]))
    report.erased["vault items"] = len(vault)
    for v in vault:
        session.delete(v)
    report.erased["provenance records"] = _delete(session, Provenance, Provenance.contact_id == cid,
                                                  *([] if scope == "user" else [Provenance.category.in_(_covered(tax, scope))]))
    if interactions or report.values:
        report.erased["activities rewritten"] = _rewrite_texts(session, cid if interactions else None, report.values)
    if scope == "user":
        report.erased["vault tokens"] = _delete(session, VaultToken, VaultToken.contact_id == cid)
        for user in session.scalars(select(User).where(User.contact_id == cid)):
            user.display_name, user.login = ERASED, f"erased-{user.id}"
            report.erased["logins closed"] = report.erased.get("logins closed", 0) + 1
    report.kept = [{"what": rule["keeps"], "rule": rule["rule"]} for name, rule in tax.retention.items()
                   if name != "orders" or covers(scope, "user.behavior.purchase_history")]
    pdp.forget(session, cid)
    return report


def _covered(tax: Taxonomy, scope: str) -> list[str]:
    return [c for c in tax.categories if covers(scope, c)]


def _delete(session: Session, entity, *where) -> int:
    return session.execute(delete(entity).where(*where)).rowcount or 0


def _rewrite_texts(session: Session, contact_id: int | None, values: list[str]) -> int:
    """Notes and cases about the person, or quoting one of their values, lose their text (the row stays:
    that a call happened on a date is the company's record, what was said is the person's)."""
    count = 0
    text_match = [Activity.subject.contains(v) for v in values] + [Activity.body.contains(v) for v in values]
    cond = or_(*( [Activity.contact_id == contact_id] if contact_id else []), *text_match)
    for a in session.scalars(select(Activity).where(cond)) if (contact_id or values) else []:
        a.subject, a.body = ERASED, ERASED
        count += 1
    case_cond = or_(*([Case.contact_id == contact_id] if contact_id else []), *[Case.description.contains(v) for v in values])
    for c in session.scalars(select(Case).where(case_cond)) if (contact_id or values) else []:
        c.description, c.classification = ERASED, {"erased": True}
        count += 1
    return count


class Eraser:
    """Carries out erasure requests across the store and the copies held outside it."""

    def __init__(self, store: Store, *, checkpointer=None, vector_memory=None,
                 after: list[Callable[[], None]] | None = None, taxonomy: Taxonomy | None = None):
        self.store, self.checkpointer, self.vector_memory = store, checkpointer, vector_memory
        self.after = after or []  # e.g. the runtime's refresh_lexicon: names held in memory for the model
        self.taxonomy = taxonomy or default_taxonomy()

    def erase(self, contact_id: int, *, scope: str = "user", now: dt.datetime, by: str, channel: str) -> dict:
        with self.store.session() as s:
            self.taxonomy.require_category(scope)
            req = requests.open_request(s, contact_id=contact_id, kind="erase", scope=scope, channel=channel, now=now, by=by)
            request_id = req.id
        return self.carry_out(request_id, now=now, by=by)

    def carry_out(self, request_id: int, *, now: dt.datetime, by: str) -> dict:
        """Run a verified erasure request to the end: store, traces, checkpoints, vector memory, files."""
        with self.store.session() as s:
            req = s.get(SubjectRequest, request_id)
            requests.move(s, req, "in_progress", now=now, by=by)
            logins = [u.login for u in s.scalars(select(User).where(User.contact_id == req.contact_id))]
            report = erase_in_store(s, req, now, by=by, tax=self.taxonomy)
        owners = logins if report.scope == "user" else []
        report.erased["traces"] = self._erase_traces(report.values, owners)
        report.erased["conversation threads"] = self._erase_checkpoints(report.values, owners)
        if self.vector_memory is not None:
            report.erased["vector memory notes"] = self.vector_memory.erase(
                contact_id=req.contact_id if covers(report.scope, "user.behavior.interaction") else -1,
                values=report.values)
        self._compact_store()
        with self.store.session() as s:
            requests.finish(s, s.get(SubjectRequest, request_id), now=now, by=by,
                            note="erased: " + ", ".join(f"{k} {v}" for k, v in report.erased.items() if v))
        for hook in self.after:
            hook()
        return report.public()

    def run_pending(self, *, now: dt.datetime) -> list[dict]:
        """Erasures accepted in chat are carried out after the turn, so the turn's own checkpoint goes too."""
        with self.store.session() as s:
            pending = [(r.id, r.contact_id) for r in requests.pending_erasures(s)]
        return [self.carry_out(rid, now=now, by=f"contact:{cid}") for rid, cid in pending]

    def _erase_traces(self, values: list[str], logins: list[str]) -> int:
        """The person's own turns, and any turn whose message, reply or tool results quote their values."""
        from memory.traces import TurnTrace  # the trace log shares the store's metadata

        with self.store.session() as s:
            # JSON columns are stored with escaped non-ASCII text, so the steps are searched in Python
            doomed = [t for t in s.scalars(select(TurnTrace))
                      if t.user_login in logins or (values and _mentions(t.message, t.reply, t.steps, values=values))]
            for t in doomed:
                s.delete(t)
            return len(doomed)

    def _erase_checkpoints(self, values: list[str], logins: list[str]) -> int:
        """Threads of the person ("<login>:<thread>") and threads whose state quotes their values."""
        if self.checkpointer is None:
            return 0
        prefixes = tuple(f"{login}:" for login in logins)
        doomed: set[str] = set()
        for snapshot in self.checkpointer.list(None):
            thread = snapshot.config["configurable"]["thread_id"]
            if thread in doomed:
                continue
            if (prefixes and thread.startswith(prefixes)) or (values and _mentions(
                    snapshot.checkpoint.get("channel_values"), snapshot.pending_writes, values=values)):
                doomed.add(thread)
        for thread in doomed:
            self.checkpointer.delete_thread(thread)
        conn = getattr(self.checkpointer, "conn", None)
        if doomed and isinstance(conn, sqlite3.Connection):  # SqliteSaver: rewrite the file without them
            with getattr(self.checkpointer, "lock", _NoLock()):
                conn.commit()
                conn.execute("VACUUM")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(doomed)

    def _compact_store(self) -> None:
        if self.store.engine.dialect.name != "sqlite":
            return  # PostgreSQL: dead tuples go at the next (auto)vacuum
        with self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            conn.execute(text("VACUUM"))
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _mentions(*parts, values: list[str]) -> bool:
    blob = " ".join(_flatten(p) for p in parts)
    return any(v in blob for v in values)


def _flatten(obj) -> str:
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        return " ".join(_flatten(v) for v in obj.values())
    if isinstance(obj, (list, tuple, set)):
        return " ".join(_flatten(v) for v in obj)
    content = getattr(obj, "content", None)
    if content is not None:
        calls = getattr(obj, "tool_calls", None) or []
        return _flatten(content) + " " + _flatten([c.get("args") for c in calls])
    return str(obj)
