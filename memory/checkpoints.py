"""Conversation checkpoints: LangGraph's SQLite saver by default, its PostgreSQL saver for a PostgreSQL URL, behind
`TurnSaver`, which writes a turn's checkpoints at two points instead of at every graph step."""
from __future__ import annotations

import dataclasses
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage, ToolMessage
from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple


def open_checkpointer(url: str) -> tuple[TurnSaver, callable]:
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
        return TurnSaver(saver), pool.close
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: a commit survives a process crash; fsync at checkpoints
    saver = SqliteSaver(conn)
    saver.setup()
    return TurnSaver(saver), conn.close


class TurnSaver(BaseCheckpointSaver):
    """A saver that holds a turn's checkpoints in memory and writes them at two points: when a step has just
    run tools (so a tool's result is stored before the model reads it: a crash after a write still shows what
    was written), and when the turn ends (`turn` exits, whatever the outcome). Only the newest checkpoint of each
    point is written, with the pending writes that belong to it (an interrupt, an error), chained to the last
    checkpoint written; the steps between are not kept, as nothing reads them. Outside a `turn`, every call goes
    straight to the wrapped saver.

    A crash before the first point loses the turn's steps (the journal row of memory/turn_journal.py still says
    the turn started, and tessera/turns.py closes it as cut short)."""

    def __init__(self, inner: BaseCheckpointSaver):
        super().__init__(serde=inner.serde)
        self.inner = inner
        self._held: dict[str, _Held] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str):  # the wrapped saver's own attributes (conn, lock, ...)
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    @property
    def config_specs(self) -> list:
        return self.inner.config_specs

    @contextmanager
    def turn(self, thread_id: str) -> Iterator[None]:
        """Hold the checkpoints of `thread_id` until the block ends (the caller holds the thread's lock)."""
        with self._lock:
            self._held[thread_id] = _Held()
        try:
            yield
        finally:
            with self._lock:
                held = self._held.pop(thread_id)
            self._write(held)

    def flush(self, thread_id: str) -> None:
        """Write what `thread_id` holds now (before its turn's trace is recorded); keep holding what follows."""
        held = self._held.get(thread_id)
        if held is not None and (held.puts or held.writes):
            self._write(held)
            held.reset(after=held.puts[-1].checkpoint["id"] if held.puts else held.parent_id)

    def get_tuple(self, config):
        held = self._held.get(config["configurable"]["thread_id"])
        if held is not None and held.puts:
            wanted = config["configurable"].get("checkpoint_id")
            last = held.puts[-1]
            if wanted in (None, last.checkpoint["id"]):
                return CheckpointTuple(
                    config=last.saved, checkpoint=last.checkpoint, metadata=last.metadata,
                    parent_config=_with_id(last.config, held.parent_id),
                    pending_writes=[(task, channel, value) for w in held.writes_for(last.checkpoint["id"])
                                    for task, channel, value in w.triples()])
        found = self.inner.get_tuple(config)
        if found is not None and held is not None and held.writes:  # writes held for the stored checkpoint
            extra = held.writes_for(found.checkpoint["id"])
            tasks = {w.task_id for w in extra}
            found = found._replace(pending_writes=[*(w for w in found.pending_writes or [] if w[0] not in tasks),
                                                   *(t for w in extra for t in w.triples())])
        return found

    def list(self, config, *, filter=None, before=None, limit=None):
        return self.inner.list(config, filter=filter, before=before, limit=limit)

    def put(self, config, checkpoint, metadata, new_versions):
        thread_id = config["configurable"]["thread_id"]
        held = self._held.get(thread_id)
        if held is None:
            return self.inner.put(config, checkpoint, metadata, new_versions)
        saved = {"configurable": {"thread_id": thread_id, "checkpoint_ns": config["configurable"].get("checkpoint_ns", ""),
                                  "checkpoint_id": checkpoint["id"]}}
        if not held.puts:
            held.parent_id = config["configurable"].get("checkpoint_id")
        held.puts.append(_Put(config, checkpoint, metadata, dict(new_versions), saved))
        messages = checkpoint.get("channel_values", {}).get("messages") or []
        if messages and isinstance(messages[-1], ToolMessage):  # tools just ran: store their results now
            self.flush(thread_id)
        return saved

    def put_writes(self, config, writes, task_id, task_path=""):
        held = self._held.get(config["configurable"]["thread_id"])
        if held is None:
            return self.inner.put_writes(config, writes, task_id, task_path)
        held.writes.append(_Writes(config, list(writes), task_id, task_path))

    def delete_thread(self, thread_id: str) -> None:
        self.inner.delete_thread(thread_id)

    def get_next_version(self, current, channel):
        return self.inner.get_next_version(current, channel)

    def _write(self, held: _Held) -> None:
        if not held.puts:  # no step finished: an error or a pause on the stored checkpoint
            for w in held.writes:
                self.inner.put_writes(w.config, w.writes, w.task_id, w.task_path)
            return
        last = held.puts[-1]
        versions = {channel: last.checkpoint["channel_versions"][channel] for p in held.puts for channel in p.new_versions
                    if channel in last.checkpoint["channel_versions"]}  # every blob changed since the last write
        saved = self.inner.put(_with_id(last.config, held.parent_id), last.checkpoint, last.metadata, versions)
        for w in held.writes_for(last.checkpoint["id"]):
            self.inner.put_writes(saved, w.writes, w.task_id, w.task_path)


@dataclasses.dataclass
class _Put:
    config: dict
    checkpoint: dict
    metadata: dict
    new_versions: dict
    saved: dict


@dataclasses.dataclass
class _Writes:
    config: dict
    writes: list
    task_id: str
    task_path: str

    def triples(self) -> list[tuple]:
        return [(self.task_id, channel, value) for channel, value in self.writes]


@dataclasses.dataclass
class _Held:
    puts: list[_Put] = dataclasses.field(default_factory=list)
    writes: list[_Writes] = dataclasses.field(default_factory=list)
    parent_id: str | None = None

    def writes_for(self, checkpoint_id: str) -> list[_Writes]:
        return [w for w in self.writes if w.config["configurable"].get("checkpoint_id") == checkpoint_id]

    def reset(self, after: str) -> None:
        self.puts, self.writes, self.parent_id = [], [], after


def _with_id(config: dict, checkpoint_id: str | None) -> dict:
    conf = {k: v for k, v in config["configurable"].items() if k != "checkpoint_id"}
    if checkpoint_id is not None:
        conf["checkpoint_id"] = checkpoint_id
    return {**config, "configurable": conf}


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
