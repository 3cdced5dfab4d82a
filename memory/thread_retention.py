"""Which conversation threads are past their retention period, and deleting one with what it left behind: its
checkpoints (SQLite or PostgreSQL saver), its turn traces, its turn journal and its Idempotency-Keys.

A thread's last activity is the later of its newest checkpoint (LangGraph's checkpoint ids are UUID v6, which carry
their creation time, so one grouped query over the checkpoint table answers for every thread without reading a
checkpoint) and its newest trace. A thread waiting for a decision (an approval, or the user's own yes) or with a
turn running is never old."""
from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3

from langgraph.checkpoint.base.id import UUID as CheckpointId
from sqlalchemy import delete, func, select

from crm.store import Store
from memory.approvals import PendingApproval
from memory.traces import TurnTrace
from memory.turn_journal import IdempotentTurn, TurnInFlight

UUID_EPOCH = dt.datetime(1582, 10, 15)  # UUID v1/v6 time counts 100 ns steps from here
WAITING = ("pending", "approving", "rejecting")  # a decision not yet carried into its thread


@dataclasses.dataclass
class ThreadActivity:
    thread_id: str
    last_active: dt.datetime  # naive UTC
    turns: int  # traced turns

    def public(self) -> dict:
        return {"thread": self.thread_id, "last_active": self.last_active.isoformat(timespec="seconds"),
                "turns": self.turns}


def checkpoint_time(checkpoint_id: str) -> dt.datetime:
    """When a checkpoint was made (naive UTC), from its UUID v6 id."""
    return UUID_EPOCH + dt.timedelta(microseconds=CheckpointId(checkpoint_id).time // 10)


def newest_checkpoints(saver, only: str | None = None) -> dict[str, str]:
    """Each thread's newest checkpoint id (UUID v6 ids sort by time), from the saver's own table."""
    inner = getattr(saver, "inner", saver)  # memory/checkpoints.py's TurnSaver wraps the LangGraph saver
    sqlite = isinstance(getattr(inner, "conn", None), sqlite3.Connection)
    where = ("WHERE thread_id = ? " if sqlite else "WHERE thread_id = %s ") if only is not None else ""
    query = f"SELECT thread_id, MAX(checkpoint_id) AS newest FROM checkpoints {where}GROUP BY thread_id"
    params = (only,) if only is not None else ()
    if sqlite:
        with inner.lock:
            return dict(inner.conn.execute(query, params).fetchall())
    with inner._cursor() as cur:  # PostgresSaver: a pooled connection, rows as dicts
        cur.execute(query, params)
        return {row["thread_id"]: row["newest"] for row in cur.fetchall()}


def thread_activity(store: Store, saver, only: str | None = None) -> list[ThreadActivity]:
    """Every thread the checkpoints or the trace log know (or only `only`), with its last activity, oldest first."""
    last = {thread: checkpoint_time(newest) for thread, newest in newest_checkpoints(saver, only).items()}
    query = select(TurnTrace.thread_id, func.max(TurnTrace.created_at), func.count()).group_by(TurnTrace.thread_id)
    if only is not None:
        query = query.where(TurnTrace.thread_id == only)
    with store.session() as s:
        traced = s.execute(query).all()
    counts = {}
    for thread, newest, n in traced:
        last[thread] = max(last.get(thread, newest), newest)
        counts[thread] = n
    return sorted((ThreadActivity(t, when, counts.get(t, 0)) for t, when in last.items()),
                  key=lambda a: (a.last_active, a.thread_id))


def busy_threads(store: Store, only: str | None = None) -> set[str]:
    """Threads waiting for a decision or with a turn in flight: kept whatever their age."""
    waiting = select(PendingApproval.thread_id).where(PendingApproval.status.in_(WAITING))
    running = select(TurnInFlight.thread_id)
    if only is not None:
        waiting, running = waiting.where(PendingApproval.thread_id == only), running.where(TurnInFlight.thread_id == only)
    with store.session() as s:
        return set(s.scalars(waiting)) | set(s.scalars(running))


def delete_thread(store: Store, saver, thread_id: str) -> int:
    """Deletes the thread's checkpoints, traces and Idempotency-Keys; the number of traces deleted."""
    saver.delete_thread(thread_id)
    with store.session() as s:
        s.execute(delete(IdempotentTurn).where(IdempotentTurn.thread_id == thread_id))
        return s.execute(delete(TurnTrace).where(TurnTrace.thread_id == thread_id)).rowcount
