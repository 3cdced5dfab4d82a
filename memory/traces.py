"""Turn traces: which agent answered, which tools ran with which arguments and results, and why."""
from __future__ import annotations

import datetime as dt
import uuid

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from sqlalchemy import JSON, DateTime, Float, String, Text, cast, func, insert, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.models import Base, utcnow
from crm.store import Store

RESULT_PREVIEW = 2000  # characters of a tool result kept in the trace


class TurnTrace(Base):
    __tablename__ = "turn_traces"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    thread_id: Mapped[str] = mapped_column(String(200), index=True)
    user_login: Mapped[str] = mapped_column(String(80), index=True)
    agent: Mapped[str] = mapped_column(String(40))
    route_reason: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    reply: Mapped[str] = mapped_column(Text)
    steps: Mapped[list] = mapped_column(JSON)
    duration_ms: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


def add_trace(session: Session, trace: TurnTrace) -> None:
    """Inserts `trace` in the session's transaction as a plain row: every turn writes one and never reads it back
    there, so the ORM's unit of work (a flush, the object tracked until commit) would be work for nothing."""
    if trace.created_at is None:
        trace.created_at = utcnow()
    session.execute(_INSERT_TRACE, {c: getattr(trace, c) for c in _TRACE_COLUMNS})


_INSERT_TRACE = insert(TurnTrace.__table__)  # built once
_TRACE_COLUMNS = [c.key for c in TurnTrace.__table__.columns]


def new_turn_id() -> str:
    return str(uuid.uuid4())


def steps_from(messages: list[BaseMessage]) -> list[dict]:
    """The model calls and tool runs of one turn, in order, with the model's stated reason for each call."""
    steps: list[dict] = []
    for m in messages:
        if isinstance(m, AIMessage):
            model = (m.response_metadata or {}).get("model_name") or (m.response_metadata or {}).get("model")
            steps.append({"type": "model", "model": model, "reason": _text(m.content),
                          "tool_calls": [{"name": c["name"], "args": c["args"], "id": c["id"]} for c in m.tool_calls]})
        elif isinstance(m, ToolMessage):
            steps.append({"type": "tool", "name": m.name, "tool_call_id": m.tool_call_id, "status": m.status,
                          "ms": (m.artifact or {}).get("ms"), "result": _text(m.content)[:RESULT_PREVIEW]})
    return steps


def _text(content) -> str:
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content or [])


class TraceLog:
    def __init__(self, store: Store):
        self.store = store

    def record(self, trace: TurnTrace) -> None:
        with self.store.session() as s:
            s.add(trace)

    def get(self, turn_id: str) -> TurnTrace | None:
        with self.store.session() as s:
            return s.get(TurnTrace, turn_id)

    def for_thread(self, thread_id: str, limit: int = 50) -> list[TurnTrace]:
        with self.store.session() as s:
            q = select(TurnTrace).where(TurnTrace.thread_id == thread_id).order_by(TurnTrace.created_at.desc())
            return list(s.scalars(q.limit(limit)))


class TraceErasure:
    """Erasure target for the trace log: the person's own turns go whole when the scope covers their
    interactions; in every other turn only their values are rewritten (message, reply, tool results)."""

    name = "turn traces"

    def __init__(self, store: Store):
        self.store = store

    def count(self, subject) -> int:
        with self.store.session() as s:
            try:
                return len(self._work(s, subject, apply=False))
            finally:
                s.rollback()

    def erase(self, subject) -> int:
        with self.store.session() as s:
            return len(self._work(s, subject, apply=True))

    def _work(self, session, subject, *, apply: bool) -> list[str]:
        needles, escaped = subject.needles(), subject.needles(json_escaped=True)
        conditions = [TurnTrace.user_login.in_(subject.logins)] if subject.logins else []
        conditions += [func.lower(c).contains(n, autoescape=True) for c in (TurnTrace.message, TurnTrace.reply)
                       for n in needles]
        conditions += [func.lower(cast(TurnTrace.steps, Text)).contains(n, autoescape=True) for n in escaped]
        if not conditions:
            return []
        touched = []
        for trace in session.scalars(select(TurnTrace).where(or_(*conditions))):
            own = subject.owns_login(trace.user_login)
            if own and subject.interactions:
                touched.append(trace.id)
                if apply:
                    session.delete(trace)
                continue
            changed = 0
            for column in ("message", "reply", "route_reason", "steps"):
                new, n = subject.rewrite_value(getattr(trace, column))
                if n and apply:
                    setattr(trace, column, new)
                changed += n
            if own and subject.erased_login(trace.user_login) != trace.user_login:
                changed += 1
                if apply:
                    trace.user_login = subject.erased_login(trace.user_login)
            if changed:
                touched.append(trace.id)
        return touched
