"""Turn integrity: one turn at a time per thread, across processes; every turn whole and traced; a retried
request (same Idempotency-Key) answered with its first result instead of acting twice.

How a turn stays whole: the turn's journal row (memory/turn_journal.py) is written before the graph runs and
deleted in the same transaction that records its trace and its Idempotency-Key's answer. A turn that raises is
closed on the spot: its thread gets a closing message (and error results for tool calls it never ran), so the
history stays well formed, and its trace lists what it did before the error. A turn cut short by a crash leaves
its journal row; the next turn of that thread finds it under the thread's lock and closes it the same way, or
records the trace it lacked when the graph had in fact finished. A turn's checkpoints are written after
its tools run, so a tool's result is stored before the model reads it, and with its trace (memory/checkpoints.py,
TurnSaver). A crash before the first of these leaves the thread as it was before the turn: the turn is closed as
cut short, saying that whether it changed anything is not known, rather than claiming it did nothing.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NoReturn

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session

from agents.confirmation import confirmation_view
from crm.actor import Actor
from crm.models import User, utcnow
from memory.thread_lock import thread_locks_for
from memory.traces import TurnTrace, add_trace, new_turn_id, steps_from
from memory.turn_journal import IdempotentTurn, TurnInFlight, claim_key, find_key, request_hash
from tessera import observability
from tools.base import dumps

if TYPE_CHECKING:
    from tessera.runtime import Tessera

log = logging.getLogger("tessera.turns")
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # visible ASCII, as the header's draft standard allows
ERROR_PREVIEW = 300
DURABILITY = "sync"  # each step reaches the saver before the next runs; TurnSaver decides what is written when


@dataclass
class TurnResult:
    turn_id: str
    thread_id: str
    agent: str
    reply: str
    tool_calls: list[dict] = field(default_factory=list)
    duration_ms: float = 0.0
    approval: dict | None = None  # set when the turn paused for a person's decision
    confirmation: dict | None = None  # set when the turn shows a plan and waits for the user's own yes
    written: list[dict] = field(default_factory=list)  # what the turn wrote: record, field, old → new
    undo_ids: list[int] = field(default_factory=list)  # undo log entries the user may take back
    replayed: bool = False  # the first answer to a retried request (same Idempotency-Key), not a new turn
    # the Vega-Lite charts the turn's tools drew, when the turn ran now (None: not known here, e.g. a replay or a
    # resumed plan; a channel reads the thread for them, channels/turn_view.py last_turn_charts)
    charts: list[dict] | None = None

    def fields(self) -> dict:
        """What a channel's reply carries of it: every field but the charts, which each channel adds its own way
        (the chat route from `charts`, a stream's client from /v1/traces/{id}/charts)."""
        return {k: v for k, v in self.__dict__.items() if k != "charts"}


@dataclass
class TurnTicket:
    """A turn that has started: its id, who and where, and how long the thread was before it."""

    turn_id: str
    actor: Actor
    config: RunnableConfig
    text: str
    before: int  # index of the turn's own (human) message in the thread
    started: float = field(default_factory=time.perf_counter)
    key_id: int | None = None

    @property
    def thread_id(self) -> str:
        return self.config["configurable"]["thread_id"]


class TurnFailed(RuntimeError):
    """The turn raised; it was closed and traced, and its Idempotency-Key (if any) answers with this failure."""

    def __init__(self, turn_id: str, reason: str):
        self.turn_id = turn_id
        super().__init__(f"this turn stopped with an error ({reason}) before it could answer; what it did before "
                         f"the error is in its trace {turn_id}")


class TurnsBusy(RuntimeError):
    """Every place for a running turn in this process stayed taken for as long as a turn waits."""

    def __init__(self, waited: float):
        self.waited = waited
        super().__init__(f"this server ran its most turns at once for {waited:g} s without a free place; "
                         "try again in a moment")


class IdempotencyKeyReused(ValueError):
    """The key was first sent with another request body: keys name one request, never two."""


class IdempotencyKeyBusy(ValueError):
    """The first request with this key is still running."""


class FirstResultGone(LookupError):
    """The first answer to this key was erased (its trace went with a person's data)."""


def check_key(key: str | None) -> str | None:
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        raise ValueError("Idempotency-Key must be 1 to 200 visible ASCII characters, e.g. a UUID")
    return key


class Turns:
    """The turn bookkeeping of one running Tessera (see the module docstring)."""

    def __init__(self, tessera: Tessera):
        self.tessera = tessera
        self.locks = thread_locks_for(tessera.store.url, self._limits.turns_at_once)
        # Python runs one thread at a time: turns beyond a few queue here rather than thrash the interpreter lock
        self.slots = threading.BoundedSemaphore(self._limits.turns_at_once)

    @property
    def _limits(self):
        return self.tessera.settings.limits

    @contextmanager
    def exclusive(self, config: RunnableConfig) -> Iterator[None]:
        """Holds the thread's lock; first closes a turn of this thread that a crash cut short."""
        thread_id = config["configurable"]["thread_id"]
        with self._slot(), self.locks.hold(thread_id, self._limits.turn_wait_seconds):
            self.recover(thread_id)
            yield

    @contextmanager
    def _slot(self) -> Iterator[None]:
        """One of this process's `turns_at_once` places for a running turn, waited for up to `turn_wait_seconds`."""
        if not self.slots.acquire(timeout=self._limits.turn_wait_seconds):
            raise TurnsBusy(self._limits.turn_wait_seconds)
        try:
            yield
        finally:
            self.slots.release()

    def start(self, actor: Actor, config: RunnableConfig, text: str, key: str | None = None, *,
              length: int | None = None) -> TurnTicket | TurnResult:
        """Journals a new turn, or returns the first result of a request already answered under `key`. `length`:
        how many messages the thread holds, when the caller has just read its state (read here otherwise)."""
        thread_id = config["configurable"]["thread_id"]
        fingerprint = request_hash(thread=thread_id, message=text) if key is not None else ""
        if key is not None:
            answered = self._answered(actor, key, fingerprint)
            if answered is not None:
                return answered
        ticket = TurnTicket(new_turn_id(), actor, config, text, self._length(config) if length is None else length)
        config["configurable"]["turn_id"] = ticket.turn_id  # the tools' writes are logged under it, for undo
        with self.tessera.store.session() as s:
            if key is not None:
                row = claim_key(s, actor.user_id, key, fingerprint, thread_id)
                if row is None:  # claimed meanwhile by the same user on another thread
                    raise IdempotencyKeyReused(_reused(key))
                ticket.key_id = row.id
            s.execute(_JOURNAL, {"thread_id": thread_id, "turn_id": ticket.turn_id, "user_id": actor.user_id,
                                 "messages_before": ticket.before, "idempotency_id": ticket.key_id})
        return ticket

    def start_resume(self, actor: Actor, config: RunnableConfig, text: str) -> TurnTicket:
        """Journals the resumption of a paused turn (an approval decided); it adds no message of the user's."""
        ticket = TurnTicket(new_turn_id(), actor, config, text, self._length(config) - 1)
        config["configurable"]["turn_id"] = ticket.turn_id
        with self.tessera.store.session() as s:
            s.add(TurnInFlight(thread_id=ticket.thread_id, turn_id=ticket.turn_id, user_id=actor.user_id,
                               messages_before=ticket.before))
        return ticket

    @contextmanager
    def failing(self, ticket: TurnTicket) -> Iterator[None]:
        """Runs the graph part of a turn; an exception closes and traces the turn, then raises TurnFailed."""
        try:
            yield
        except Exception as exc:
            self.fail(ticket, exc)

    def complete(self, ticket: TurnTicket, trace: TurnTrace, approval: dict | None, outcome: str = "answered") -> None:
        """One transaction: the trace, the journal row gone, the key's answer (the turn's checkpoint first)."""
        with self.completing(ticket, approval, outcome) as s:
            add_trace(s, trace)

    @contextmanager
    def completing(self, ticket: TurnTicket, approval: dict | None, outcome: str = "answered") -> Iterator[Session]:
        """The turn's checkpoint written, then one transaction: what the caller adds in the block (the turn's trace,
        whose id is the ticket's), the journal row gone, the key's answer."""
        self.tessera.checkpointer.flush(ticket.thread_id)
        with self.tessera.store.session() as s:
            yield s
            s.execute(_UNJOURNAL, {"thread_id": ticket.thread_id})
            if ticket.key_id is not None:
                row = s.get(IdempotentTurn, ticket.key_id)
                if row is not None:
                    row.outcome, row.turn_id = outcome, ticket.turn_id
                    row.approval_id = approval["id"] if approval else None

    def fail(self, ticket: TurnTicket, exc: BaseException) -> NoReturn:
        reason = type(exc).__name__
        observability.turn_failed(ticket.started, ticket.turn_id)
        log.error("turn %s of %s failed: %s", ticket.turn_id, ticket.thread_id, reason, exc_info=exc)
        try:
            self._close_broken(ticket, f"{reason}: {exc}"[:ERROR_PREVIEW],
                               f"Sorry: this turn stopped with an error ({reason}) before it could answer. "
                               f"Anything it did before the error is listed in its trace {ticket.turn_id}.")
        except Exception:  # the journal row stays: the thread's next turn closes it
            log.exception("could not close failed turn %s now; the thread's next turn will", ticket.turn_id)
        raise TurnFailed(ticket.turn_id, reason) from exc

    def recover(self, thread_id: str) -> None:
        """Closes the turn of `thread_id` that a crash left journaled (call it holding the thread's lock)."""
        with self.tessera.store.engine.connect() as conn:  # almost always none: looked for without an ORM session
            if conn.execute(_JOURNALED, {"thread_id": thread_id}).first() is None:
                return
        with self.tessera.store.session() as s:
            row = s.get(TurnInFlight, thread_id)
            if row is None:
                return
            user = s.get(User, row.user_id)
            journal = (row.turn_id, row.messages_before, row.idempotency_id, row.started_at)
        turn_id, before, key_id, started_at = journal
        actor = Actor(user_id=user.id, login=user.login, role=user.role, unit_id=user.unit_id,
                      contact_id=user.contact_id, language=user.language)
        config = self.tessera.config(actor, thread_id.split(":", 1)[1])
        snapshot = self.tessera.graph.get_state(config)
        messages = snapshot.values.get("messages", [])
        log.warning("thread %s: turn %s was cut short (started %s); closing it", thread_id, turn_id, started_at)
        if len(messages) <= before:  # stopped before its first checkpoint: what it did is not known
            ticket = TurnTicket(turn_id, actor, config, "", len(messages), time.perf_counter(), key_id)
            self._close_broken(ticket, "interrupted: the process running this turn stopped before it stored "
                                       "anything", "Sorry: a turn of this conversation was cut short (the server "
                                       "stopped) before it could answer. If it was asked to change something, "
                                       f"look before asking again; its trace is {turn_id}.")
            return
        own = messages[before]
        text = own.content if isinstance(own, HumanMessage) and isinstance(own.content, str) else "(resumed turn)"
        elapsed = max(0.0, (utcnow() - started_at).total_seconds())
        ticket = TurnTicket(turn_id, actor, config, text, before, time.perf_counter() - elapsed, key_id)
        if not snapshot.next or snapshot.interrupts:  # the graph had finished or paused: only its trace is missing
            self.tessera._finish(ticket, snapshot.values)
        else:
            self._close_broken(ticket, "interrupted: the process running this turn stopped",
                               "Sorry: this turn was cut short (the server stopped) before it could answer. Anything "
                               f"it did before that is listed in its trace {turn_id}.")
        self._settle_approvals(thread_id, {i.id for i in self.tessera.graph.get_state(config).interrupts})

    def replay(self, row: IdempotentTurn) -> TurnResult:
        trace = self.tessera.traces.get(row.turn_id) if row.turn_id else None
        if trace is None:
            raise FirstResultGone("the first answer to this Idempotency-Key is no longer kept (it was erased); "
                                  "send the request again with a new key")
        if row.outcome == "failed":
            raise TurnFailed(trace.id, next((s.get("error", "").split(":")[0] for s in trace.steps
                                             if s.get("type") == "error"), "error"))
        approval = confirmation = None
        if row.approval_id:
            pending = self.tessera.approvals.get(row.approval_id)
            if pending is not None and (pending.payload or {}).get("kind") == "confirm":
                confirmation = confirmation_view(pending.payload, pending.id)
            elif pending is not None:
                approval = {"id": pending.id, "payload": pending.payload}
        calls = [c for s in trace.steps if s["type"] == "model" for c in s["tool_calls"]]
        return TurnResult(turn_id=trace.id, thread_id=trace.thread_id, agent=trace.agent, reply=trace.reply,
                          tool_calls=calls, duration_ms=trace.duration_ms, approval=approval,
                          confirmation=confirmation, replayed=True)

    def close(self) -> None:
        self.locks.close()

    def _answered(self, actor: Actor, key: str, fingerprint: str) -> TurnResult | None:
        with self.tessera.store.session() as s:
            row = find_key(s, actor.user_id, key, remembered_for=dt.timedelta(hours=self._limits.idempotency_hours))
            if row is None:
                return None
            if row.request_hash != fingerprint:
                raise IdempotencyKeyReused(_reused(key))
            if row.outcome == "running":
                raise IdempotencyKeyBusy(f"the first request with Idempotency-Key '{key}' is still running; "
                                         "retry in a moment to get its answer")
            s.expunge(row)
        return self.replay(row)

    def _length(self, config: RunnableConfig) -> int:
        return len(self.tessera.graph.get_state(config).values.get("messages", []))

    def _close_broken(self, ticket: TurnTicket, error: str, note: str) -> None:
        """Ends the thread's history with `note` (and error results for tool calls never run); traces the turn."""
        graph = self.tessera.graph
        values = graph.get_state(ticket.config).values
        messages = values.get("messages", [])
        agent = values.get("agent") or "sales"
        closing = []
        last = messages[-1] if len(messages) > ticket.before else None
        if isinstance(last, AIMessage) and last.tool_calls:
            unknown = ("the turn stopped while this tool was being run, so whether it completed is not known: "
                       "look before trying it again")
            closing += [ToolMessage(content=dumps({"ok": False, "error": unknown}), tool_call_id=c["id"],
                                    name=c["name"], status="error") for c in last.tool_calls]
        closing.append(AIMessage(content=note))
        graph.update_state(ticket.config, {"messages": closing}, as_node=f"{agent}_model")
        steps = [*steps_from(messages[ticket.before + 1:]), {"type": "error", "error": error}]
        trace = TurnTrace(id=ticket.turn_id, thread_id=ticket.thread_id, user_login=ticket.actor.login, agent=agent,
                          route_reason=values.get("route_reason", ""), message=ticket.text, reply=note, steps=steps,
                          duration_ms=round((time.perf_counter() - ticket.started) * 1000, 2))
        self.complete(ticket, trace, None, outcome="failed")

    def _settle_approvals(self, thread_id: str, still_paused: set[str]) -> None:
        """Decisions claimed by a resume that a crash cut short: back to pending if the turn is still paused on
        them, final otherwise."""
        with self.tessera.store.session() as s:
            for row in self.tessera.approvals.unsettled(s, thread_id):
                if row.id in still_paused:
                    row.status, row.decided_by, row.decided_at = "pending", None, None
                else:
                    row.status = {"approving": "approved", "rejecting": "rejected"}[row.status]


# The journal's statements, built once and on the table rather than the ORM entity: every turn runs them, and the
# ORM would build each again and look for the row among the session's objects, which never hold it.
_JOURNAL_ROWS = TurnInFlight.__table__
_JOURNALED = select(_JOURNAL_ROWS.c.thread_id).where(_JOURNAL_ROWS.c.thread_id == bindparam("thread_id"))
_JOURNAL = insert(_JOURNAL_ROWS)
_UNJOURNAL = delete(_JOURNAL_ROWS).where(_JOURNAL_ROWS.c.thread_id == bindparam("thread_id"))


def _reused(key: str) -> str:
    return (f"Idempotency-Key '{key}' was first used with a different request; a key names one request: "
            "use a new key for a new request")


__all__ = ["TurnResult", "TurnTicket", "Turns", "TurnFailed", "IdempotencyKeyReused", "IdempotencyKeyBusy",
           "FirstResultGone", "check_key", "DURABILITY"]
