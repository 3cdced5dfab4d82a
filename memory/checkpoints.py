"""Conversation checkpoints: LangGraph's SQLite saver by default, its PostgreSQL saver for a PostgreSQL URL."""
from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager, nullcontext
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage
from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple


def open_checkpointer(url: str) -> tuple[BaseCheckpointSaver, callable]:
    """The saver for `url` (a file path or postgresql:// URL) and a function that closes it."""
    if url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        conninfo = url.replace("postgresql+psycopg://", "postgresql://")
        pool = ConnectionPool(conninfo, kwargs={"autocommit": True, "row_factory": dict_row, "prepare_threshold": 0},
                              min_size=1, max_size=8, open=True)
        saver = PostgresSaver(pool)
        saver.setup()
        return saver, pool.close
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    saver = SqliteSaver(conn)
    saver.setup()
    return saver, conn.close


class CheckpointErasure:
    """Erasure target for conversation checkpoints. A thread of the person's own ("<login>:<thread>") goes whole
    when the scope covers their interactions; any other thread that quotes their values is written again with
    only those values replaced (every checkpoint and pending write of it), so other people's conversations stay.

    A thread is rewritten by reading it whole, deleting it and putting every checkpoint back in order (the
    savers' `put` never overwrites pending writes in place). `lock_thread(thread_id)`, when given, keeps a turn
    from writing to the thread meanwhile."""

    name = "conversation threads"

    def __init__(self, saver: BaseCheckpointSaver, lock_thread: Callable[[str], ContextManager] | None = None):
        self.saver, self.lock_thread = saver, lock_thread

    def count(self, subject) -> int:
        return sum(1 for thread, tuples in self._threads().items() if self._plan(subject, thread, tuples) is not None)

    def erase(self, subject) -> int:
        changed = 0
        for thread, tuples in self._threads().items():
            with self.lock_thread(thread) if self.lock_thread else nullcontext():
                tuples = self._threads(thread).get(thread, [])  # again, under the lock
                plan = self._plan(subject, thread, tuples)
                if plan is None:
                    continue
                self.saver.delete_thread(thread)
                for t, checkpoint, metadata, writes in plan:
                    self._put_back(thread, t, checkpoint, metadata, writes)
                changed += 1
        if changed:
            self._compact()
        return changed

    def _threads(self, only: str | None = None) -> dict[str, list[CheckpointTuple]]:
        config = {"configurable": {"thread_id": only}} if only else None
        grouped: dict[str, list[CheckpointTuple]] = {}
        for t in self.saver.list(config):
            grouped.setdefault(t.config["configurable"]["thread_id"], []).append(t)
        for tuples in grouped.values():
            tuples.reverse()  # oldest first: parents are put back before their children
        return grouped

    def _plan(self, subject, thread: str, tuples: list[CheckpointTuple]) -> list[tuple] | None:
        """None when the thread stays as it is; [] when it goes whole; else every checkpoint rewritten."""
        if subject.owns_login(thread.split(":", 1)[0]) and subject.interactions:
            return []
        out, total = [], 0
        for t in tuples:
            checkpoint, n = scrub(t.checkpoint, subject)
            metadata, m = scrub(t.metadata, subject)
            writes, k = scrub(list(t.pending_writes or []), subject)
            total += n + m + k
            out.append((t, checkpoint, metadata, writes))
        return out if total else None

    def _put_back(self, thread: str, t: CheckpointTuple, checkpoint: dict, metadata: dict, writes: list) -> None:
        ns = t.config["configurable"].get("checkpoint_ns", "")
        parent = t.parent_config or {"configurable": {"thread_id": thread, "checkpoint_ns": ns}}
        parent = {"configurable": {"checkpoint_ns": ns, **parent["configurable"]}}
        saved = self.saver.put(parent, checkpoint, metadata, dict(checkpoint.get("channel_versions", {})))
        by_task: dict[str, list] = {}
        for task_id, channel, value in writes:
            by_task.setdefault(task_id, []).append((channel, value))
        for task_id, task_writes in by_task.items():
            self.saver.put_writes(saved, task_writes, task_id)

    def _compact(self) -> None:
        conn = getattr(self.saver, "conn", None)
        if isinstance(conn, sqlite3.Connection):  # SqliteSaver: rewrite the file so no old value stays in free pages
            with getattr(self.saver, "lock", nullcontext()):
                conn.commit()
                conn.execute("VACUUM")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def scrub(value: Any, subject) -> tuple[Any, int]:
    """`value` with the subject's values rewritten, through messages, dicts, lists and dataclasses."""
    if isinstance(value, BaseMessage):
        update, n = {}, 0
        for attr in ("content", "tool_calls", "invalid_tool_calls", "additional_kwargs", "artifact"):
            if hasattr(value, attr):
                new, m = scrub(getattr(value, attr), subject)
                if m:
                    update[attr], n = new, n + m
        return (value.model_copy(update=update), n) if n else (value, 0)
    if isinstance(value, str):
        return subject.rewrite(value)
    if isinstance(value, dict):
        parts = {k: scrub(v, subject) for k, v in value.items()}
        n = sum(m for _, m in parts.values())
        return ({k: v for k, (v, _) in parts.items()}, n) if n else (value, 0)
    if isinstance(value, (list, tuple)):
        parts = [scrub(v, subject) for v in value]
        n = sum(m for _, m in parts)
        return (type(value)(v for v, _ in parts) if not hasattr(value, "_fields") else type(value)(*[v for v, _ in parts]),
                n) if n else (value, 0)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = {f.name: scrub(getattr(value, f.name), subject) for f in dataclasses.fields(value)}
        n = sum(m for _, m in parts.values())
        return (dataclasses.replace(value, **{k: v for k, (v, m) in parts.items() if m}), n) if n else (value, 0)
    return value, 0
