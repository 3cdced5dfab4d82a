"""Wiring: opens the store, the checkpointer and the models from settings, builds the graph, runs turns."""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage
from langchain_core.runnables import RunnableConfig
from langgraph.types import Command

from agents import confirmation
from agents.approval_reply import approval_reply
from agents.graph import build_graph
from agents.tool_results import charts_in, tool_results
from agents.written import written_in, written_note
from agents.routing import allowed_specialists
from crm.actor import Actor, NotFound
from crm.assent import says_no, says_yes
from crm.logins import ActiveActors, active_actor
from crm.privacy.guard import shown_to
from tessera.seeding import seed_everything
from crm.store import Store
from llm import OFFLINE_MODEL, TURN_NAMES, register_offline_model
from llm.drafting import DraftWriter
from llm.factory import chat_model
from llm.offline.embedder import shared_e5
from memory.approvals import ApprovalBook
from memory.note_index import NoteIndex
from memory.vector_memory import VectorMemory
from memory.checkpoints import open_checkpointer
from memory.traces import TraceLog, TurnTrace, add_trace, steps_from
from tessera.erasure_jobs import ErasureJobs, build_eraser
from tessera import observability
from crm.privacy import audit
from tessera.anchoring import anchor_store
from tessera.approval_desk import ApprovalDesk
from tessera.live_prompts import LivePrompts
from tessera.lexicon import NAMED, ScopedLexicons, load_lexicon, shared_lexicon, stamp_of
from tessera.migrate import migrate
from tessera.deal_scores import DealScores
from tessera.reminders import ReminderScheduler
from tessera.retention import ThreadPruner
from tessera.settings import Settings
from tessera.turns import DURABILITY, TurnFailed, TurnResult, TurnTicket, Turns
from tools.base import ToolContext

MAX_MESSAGE_CHARS = 4000
_USERS = NAMED.index("users")
RECURSION_LIMIT = 16

log = logging.getLogger("tessera.runtime")


class Tessera:
    """One running assistant: store, models, checkpointed graph and trace log."""

    def __init__(self, settings: Settings, *, clock: Callable[[], dt.datetime] | None = None,
                 seed: bool | None = None, prompts: LivePrompts | None = None):
        """`prompts`: where the agents' prompt texts come from (default: this store's production versions; an eval
        runs the operator's production prompts on its copies of the demo store)."""
        self.settings = settings
        self.clock = clock or dt.datetime.now
        observability.configure_tracing(settings.observability.otel_endpoint, settings.observability.service_name)
        observability.count_consent_refusals()
        # the running turns' connections, and some for requests being let in and the background jobs, stay open
        self.store = Store(self.settings.store_url, kept_connections=settings.limits.turns_at_once + 8)
        migrate(self.store)
        self.audit_anchor = anchor_store(self.store, self.settings, seal=False)
        if self.settings.seed_on_first_run if seed is None else seed:
            with self.store.session() as s:
                seed_everything(s)
        with self.store.session() as s:
            audit.seal(s)  # lines written while no key signed (a seed run, an older version) are covered from now
        self.lexicons = ScopedLexicons(self.store)  # per-scope names, dropped when the store's names change
        self.active = ActiveActors()  # each turn's user, read again when any user row has changed
        self.refresh_lexicon()
        self.checkpointer, self._close_checkpointer = open_checkpointer(self.settings.checkpoints_url)
        self.traces = TraceLog(self.store)
        self.approvals = ApprovalBook(self.store)
        self.desk = ApprovalDesk(self.approvals, logged_as=self._logged_as, clock=self.clock)
        self.vector_memory = VectorMemory(self.settings.chroma_dir, e5=shared_e5, host=self.settings.chroma_host)
        # kept in step with the store's change log: in the background by `tessera serve` (`notes.start`), on
        # demand by `tessera index`, and for the newest notes by each search
        self.notes = NoteIndex(self.store, self.vector_memory, busy=self._any_turn_running)
        self.broadcast = None
        if self.store.engine.dialect.name == "postgresql":  # other workers reload names when one erases
            from tessera.broadcast import LexiconBroadcast

            self.broadcast = LexiconBroadcast(self.store.url, lambda: self.refresh_lexicon())
        self.eraser = build_eraser(self.store, checkpointer=self.checkpointer, vector_memory=self.vector_memory,
                                   after=[self.names_changed], lock_thread=self._lock_thread)
        self._turns: Counter[int] = Counter()  # contact ids of customers with a turn running
        self._turns_lock = threading.Lock()
        self.erasures = ErasureJobs(self.eraser, self.clock, busy=lambda contact_id: self._turns[contact_id] > 0)
        if self.eraser.pending():
            self.erasures.wake()  # requests a crash or a stop left unfinished
        # due reminders, sent through the channels that register a sender; started by `tessera serve`
        self.reminders = ReminderScheduler(self.store, self.clock, poll_seconds=settings.repday.reminder_poll_seconds)
        # threads idle past the retention period; started by `tessera serve` when a period is set
        self.pruner = ThreadPruner(self.store, self.checkpointer, self._lock_thread,
                                   retention_days=settings.threads.retention_days,
                                   every_hours=settings.threads.prune_every_hours)
        self.deal_scores = DealScores(self.store, settings.scores_folder, self.clock)  # trained on first use
        self.prompts = prompts or LivePrompts(self.store)  # each agent runs its prompt's production version
        writer_model = settings.models.writer
        self.writer = DraftWriter(writer_model, self.prompts.text) if writer_model != OFFLINE_MODEL else None
        self.graph = build_graph(self._model_for, self._tool_context, self.checkpointer, prompt_text=self.prompts.text)
        self.turns = Turns(self)  # one turn at a time per thread; whole, traced, idempotent turns
        # a channel's way to tell a requester how their paused request ended when it was decided in another
        # conversation (an approver's chat): {channel name: deliver(resumed turn, requester's login)}
        self.resumed_elsewhere: dict[str, Callable[[TurnResult, str], None]] = {}

    def refresh_lexicon(self) -> None:
        """The offline model reads each turn with the names its user may see (`config`); without them it knows only
        the names no scope hides. The tools' example utterances are unnamed with every name."""
        self.lexicons.clear()
        register_offline_model(shared_lexicon(self.store), clock=lambda: self.clock().date(),
                               examples=load_lexicon(self.store))

    def _lock_thread(self, thread_id: str):
        """The thread's turn lock, across processes: an erasure rewrites a conversation between its turns, whichever
        worker runs them."""
        return self.turns.locks.hold(thread_id, self.settings.limits.turn_wait_seconds)

    def names_changed(self) -> None:
        """After an erasure: this worker reloads the names the offline model knows, and tells the others to."""
        self.refresh_lexicon()
        if self.broadcast is not None:
            self.broadcast.announce()

    def _model_for(self, agent: str):
        return chat_model(self.settings.model_for(agent), self.settings.models.fallbacks)

    def _tool_context(self, config: RunnableConfig) -> ToolContext:
        return ToolContext(store=self.store, actor=config["configurable"]["actor"], clock=self.clock,
                           notes=self.notes, erasures=self.erasures, scores=self.deal_scores, writer=self.writer,
                           approvals=self.desk,
                           turn_id=config["configurable"].get("turn_id", ""))

    def actor(self, login: str) -> Actor:
        """The active user `login`: NotFound, or AccessDenied for a disabled or erased account."""
        with self.store.session() as s:
            return active_actor(s, login)

    def config(self, actor: Actor, thread: str, names=None) -> RunnableConfig:
        # Threads are namespaced by user, so no one can continue someone else's conversation; the offline model
        # reads the turn with the names this user may see (`names`, when the caller has them already).
        return {"configurable": {"thread_id": f"{actor.login}:{thread}", "actor": actor,
                                 TURN_NAMES: names if names is not None else self.lexicons.for_actor(actor)},
                "recursion_limit": RECURSION_LIMIT}

    def chat(self, login: str, thread: str, message: str, *, idempotency_key: str | None = None) -> TurnResult:
        """One turn of `login` on `thread`; turns of one thread run one at a time (tessera/turns.py). With an
        `idempotency_key`, a repeated request returns the first answer instead of acting again."""
        actor, config, text = self._begin(login, thread, message)
        plan_answered = False
        while True:
            with self.turns.exclusive(config), self._turn(actor), self._held(config):
                length, older, plan = self._open_thread(config)
                if plan is None or plan_answered:
                    with observability.turn_span("chat", config["configurable"]["thread_id"], actor.login):
                        ticket = self.turns.start(actor, config, text, idempotency_key, length=length)
                        if isinstance(ticket, TurnResult):
                            return ticket
                        with self.turns.failing(ticket):
                            state = self.graph.invoke({"messages": [*older, HumanMessage(text)]}, config,
                                                      durability=DURABILITY)
                        result = self._finish(ticket, state, interrupts=state.get("__interrupt__", ()))
                        result.charts = charts_in(tool_results(state["messages"][ticket.before + 1:]))
                    break
            plan_answered = True  # the thread waits for a yes: this message answers it first (outside the lock)
            answered = self._answer_confirmation(actor, plan, text)
            if answered is not None:
                return answered
        return self.resume_claimed(result)

    def resume_claimed(self, result: TurnResult) -> TurnResult:
        """Approvals an approver decided in chat during `result`'s turn: each requester's paused conversation
        resumes now, outside the approver's turn (the decision was claimed inside it)."""
        for approval_id in self.desk.claimed_in(result.turn_id):
            pending = self.approvals.get(approval_id)
            resumed = self._resume(approval_id, pending, pending.decided_by, pending.status == "approving",
                                   pending.note or "")
            self._tell_requester(resumed, pending.requested_by)
        return result

    def _tell_requester(self, resumed: TurnResult, requester: str) -> None:
        """The requester was not in the approver's conversation: each channel that knows the requester's thread
        delivers the resumed turn's reply there. A channel that fails is logged; the decision stands."""
        for channel, deliver in self.resumed_elsewhere.items():
            try:
                deliver(resumed, requester)
            except Exception:  # noqa: BLE001 - one channel's outage must not undo or hide a decision taken
                log.exception("could not tell %s on %s how their request ended", requester, channel)

    def _held(self, config: RunnableConfig):
        """The turn's checkpoints are written twice at most: after tools run, and with the turn's trace
        (memory/checkpoints.py, TurnSaver)."""
        return self.checkpointer.turn(config["configurable"]["thread_id"])

    def _open_thread(self, config: RunnableConfig) -> tuple[int, list[RemoveMessage], str | None]:
        """The one read of the thread a turn makes before it runs (holding its lock): how many messages the thread
        will hold before the turn's own (its journal records it), the older messages that leave it, and the plan it
        waits to have confirmed, if any.

        The thread keeps its last `history_turns` turns (this one included), so what a turn stores and what the
        model reads do not grow with the thread; every turn stays in the trace log. The removals go in with the
        turn's own message, so they take no step and no checkpoint of their own."""
        snapshot = self.graph.get_state(config)
        plan = _plan_waiting(snapshot.interrupts)
        keep = self.settings.limits.history_turns
        messages = snapshot.values.get("messages", [])
        asked = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
        if snapshot.next or len(asked) < keep:
            return len(messages), [], plan
        older = messages[:asked[len(asked) - keep + 1]] if keep > 1 else messages
        return len(messages) - len(older), [RemoveMessage(id=m.id) for m in older], plan

    def _any_turn_running(self) -> bool:
        with self._turns_lock:
            return any(n > 0 for n in self._turns.values())

    @contextmanager
    def _turn(self, actor: Actor) -> Iterator[None]:
        """Marks a customer's turn as running: their queued erasure waits until the turn is complete (the worker
        looks again a moment later), so the thread it erases is the whole conversation."""
        key = actor.contact_id if actor.contact_id is not None else -1
        with self._turns_lock:
            self._turns[key] += 1
        try:
            yield
        finally:
            with self._turns_lock:
                self._turns[key] -= 1

    def stream(self, login: str, thread: str, message: str, *, idempotency_key: str | None = None) -> Iterator[dict]:
        """Yields a `step` event as each graph node finishes, then the `reply` with the turn's trace id."""
        actor, config, text = self._begin(login, thread, message)
        plan_answered = False
        while True:
            with self.turns.exclusive(config), self._turn(actor), self._held(config):
                length, older, plan = self._open_thread(config)
                if plan is None or plan_answered:
                    result = yield from self._streamed_turn(actor, config, text, idempotency_key, length, older)
                    break
            plan_answered = True  # the thread waits for a yes: this message answers it first (outside the lock)
            answered = self._answer_confirmation(actor, plan, text)
            if answered is not None:
                yield {"event": "reply", "data": answered.fields()}
                return
        if result is not None:
            yield {"event": "reply", "data": self.resume_claimed(result).fields()}

    def _streamed_turn(self, actor: Actor, config: RunnableConfig, text: str, idempotency_key: str | None,
                       length: int, older: list[RemoveMessage]) -> Iterator[dict]:
        """The turn of `stream`, under the thread's lock: its steps as events; returns its result (None when a
        retried request was answered with its first result, sent as the reply here)."""
        span = observability.TRACER.start_span("turn chat", attributes={
            "tessera.thread": config["configurable"]["thread_id"], "tessera.user": actor.login, "tessera.stream": True})
        with observability.ended(span):
            ticket = self.turns.start(actor, config, text, idempotency_key, length=length)
            if isinstance(ticket, TurnResult):
                yield {"event": "reply", "data": ticket.fields()}
                return None
            updates = observability.within(span, self.graph.stream(
                {"messages": [*older, HumanMessage(text)]}, config, stream_mode="updates", durability=DURABILITY))
            try:
                with self.turns.failing(ticket):
                    for update in updates:
                        for node in update:
                            yield {"event": "step", "data": {"node": node}}
            except GeneratorExit:  # the client stopped listening: the turn still runs to its end, whole and traced
                try:
                    with self.turns.failing(ticket):
                        for _ in updates:
                            pass
                    self._finish(ticket, self.graph.get_state(config).values, span)
                except TurnFailed:
                    pass  # closed and traced; no one is listening for the error
                raise
            return self._finish(ticket, self.graph.get_state(config).values, span)

    def decide(self, approval_id: str, approver_login: str, approved: bool, note: str = "") -> TurnResult:
        """A person's decision on a paused request: resumes the requester's conversation where it stopped.

        Only the named approver or someone the unit's contract names may decide (memory/approvals.py); the decision
        is claimed under a row lock, so of two concurrent decisions exactly one wins (AlreadyDecided for the other)."""
        approver = self.actor(approver_login)
        pending = self.approvals.get(approval_id)
        if pending is None:
            raise NotFound(f"no approval with id '{approval_id}'")
        return self.resume_claimed(self._resume(approval_id, pending, approver.login, approved, note, claim=True))

    def _resume(self, approval_id: str, pending, approver_login: str, approved: bool, note: str, *,
                claim: bool = False) -> TurnResult:
        """Resumes the requester's paused turn with the decision; `claim`: take the decision here first (else it
        was claimed already, in the approver's own turn)."""
        approver, requester = self.actor(approver_login), self.actor(pending.requested_by)
        config = self.config(requester, pending.thread_id.split(":", 1)[1])
        with observability.turn_span("resume", pending.thread_id, requester.login), \
                self.turns.exclusive(config), self._turn(requester), self._held(config):
            if claim:
                self.approvals.claim(approval_id, approver.login, approved, note, self.clock(),
                                     logged_as=self._logged_as(approver.login, pending.requested_by, pending.approver))
            verdict = "approved" if approved else "rejected"
            text = f"[{approver.login} {verdict} {approval_id}] {note}".strip()
            ticket = self.turns.start_resume(requester, config, text)
            decision = {"approved": approved, "approver": approver.login, "note": note}
            try:
                with self.turns.failing(ticket):
                    state = self.graph.invoke(Command(resume=decision), config, durability=DURABILITY)
            except TurnFailed:
                self.approvals.settle(approval_id, failed=True)
                raise
            self.approvals.settle(approval_id)
            return self._finish(ticket, state, interrupts=state.get("__interrupt__", ()))

    def confirm(self, confirmation_id: str, login: str, yes: bool) -> TurnResult:
        """The user's answer to a plan shown in chat (a button, or the HTTP route): yes acts, no cancels. Only the
        user who asked may answer (PermissionError for anyone else); NotFound for an id that is no confirmation."""
        pending = self.approvals.get(confirmation_id)
        if pending is None or (pending.payload or {}).get("kind") != confirmation.KIND:
            raise NotFound(f"no confirmation with id '{confirmation_id}'")
        return self.decide(confirmation_id, login, yes, "confirmed" if yes else "cancelled")

    def pending_confirmation(self, actor: Actor, config: RunnableConfig) -> str | None:
        """The id of the plan this thread waits to have confirmed, if it waits for one."""
        return _plan_waiting(self.graph.get_state(config).interrupts)

    def _answer_confirmation(self, actor: Actor, plan: str, text: str) -> TurnResult | None:
        """A message on a thread waiting for a yes to `plan`: "yes" acts, "no" cancels; anything else cancels the
        plan and is then a new request of its own (None: run it as a turn), never read as an answer to the plan."""
        if says_yes(text):
            return self.decide(plan, actor.login, True, "confirmed in chat")
        cancelled = self.decide(plan, actor.login, False, "not confirmed in chat")
        return cancelled if says_no(text) else None

    def _logged_as(self, *logins: str | None) -> dict[str, str]:
        """How the audit log names these people: customers by contact id (the log outlives an erasure)."""
        names = {}
        for login in filter(None, logins):
            try:
                names[login] = audit_name(self.actor(login))
            except (NotFound, PermissionError):  # renamed or closed meanwhile: the stored login names no one
                names[login] = login
        return names

    def _begin(self, login: str, thread: str, message: str) -> tuple[Actor, RunnableConfig, str]:
        """Checks the input and the user before anything runs."""
        text = validate_message(message)
        with self.store.engine.connect() as conn:  # usually all a turn reads first: a bare connection will do
            stamp = stamp_of(conn)
        actor = self.active.known(login, stamp[_USERS])
        names = self.lexicons.known(actor, stamp) if actor is not None else None
        if names is None:  # a user row or a name has changed since: the user and the names their scope shows
            with self.store.session() as s:
                stamp = stamp_of(s)  # the counters first: the user and their names are read again when they moved
                actor = self.active.get(s, login, users_version=stamp[_USERS])
                allowed_specialists(actor.role)
                names = self.lexicons.for_actor(actor, s, stamp)
        else:
            allowed_specialists(actor.role)
        return actor, self.config(actor, thread, names), text

    def _finish(self, ticket: TurnTicket, state: dict, span=None, interrupts=None) -> TurnResult:
        """`interrupts`: those the run returned (`invoke` gives them); None reads them from the thread's state."""
        actor, config, text = ticket.actor, ticket.config, ticket.text
        elapsed = (time.perf_counter() - ticket.started) * 1000
        new_messages = state["messages"][ticket.before + 1:]
        final = new_messages[-1] if new_messages and isinstance(new_messages[-1], AIMessage) else None
        reply = final.content if final is not None and isinstance(final.content, str) else ""
        paused = self._paused_for(actor, config, interrupts)
        approval = confirm = None
        lang = confirmation.language_of(state["messages"], actor.language)
        if paused is not None and paused["payload"].get("kind") == confirmation.KIND:
            confirm = confirmation.confirmation_view(paused["payload"], paused["id"])
            reply = confirmation.prompt_text(paused["payload"])
        elif paused is not None:
            approval = paused
            reply = approval_reply(approval, lang)
        written, undo_ids = written_in(new_messages)
        note = written_note(written, undo_ids, lang)
        reply = f"{reply}\n\n{note}".strip() if note else reply
        steps = steps_from(new_messages)
        # one commit: the reply passed through today's consents (a reply quoting an earlier result passes them
        # too) and the decisions' audit lines, the trace, the journal closed, the key answered
        with self.turns.completing(ticket, paused) as s:
            reply, _ = shown_to(s, reply, role=actor.role, reader_contact=actor.contact_id, now=self.clock(),
                                actor=audit_name(actor))
            trace = TurnTrace(id=ticket.turn_id, thread_id=config["configurable"]["thread_id"],
                              user_login=actor.login, agent=state["agent"], route_reason=state.get("route_reason", ""),
                              message=text, reply=reply, steps=steps, duration_ms=round(elapsed, 2))
            add_trace(s, trace)
        observability.turn_finished(span, agent=trace.agent, started=ticket.started, steps=steps, turn_id=trace.id,
                                    outcome="escalated" if approval else "confirming" if confirm else "answered")
        calls = [c for s in steps if s["type"] == "model" for c in s["tool_calls"]]
        return TurnResult(turn_id=trace.id, thread_id=trace.thread_id, agent=trace.agent, reply=reply,
                          tool_calls=calls, duration_ms=trace.duration_ms, approval=approval, confirmation=confirm,
                          written=written, undo_ids=undo_ids)

    def _paused_for(self, actor: Actor, config: RunnableConfig, interrupts=None) -> dict | None:
        if interrupts is None:
            interrupts = self.graph.get_state(config).interrupts
        if not interrupts:
            return None
        pending = interrupts[0]
        self.approvals.open(pending.id, config["configurable"]["thread_id"], actor.login, pending.value)
        return {"id": pending.id, "payload": pending.value}

    def close(self) -> None:
        self.reminders.close()
        self.pruner.close()
        self.turns.close()
        self.erasures.close()
        if self.broadcast is not None:
            self.broadcast.close()
        self.notes.close()
        self.vector_memory.close()
        self._close_checkpointer()
        self.store.dispose()


def _plan_waiting(interrupts) -> str | None:
    """The id of the plan (a confirmation) among a thread's interrupts, if there is one."""
    for pending in interrupts:
        if isinstance(pending.value, dict) and pending.value.get("kind") == confirmation.KIND:
            return pending.id
    return None


def audit_name(actor: Actor) -> str:
    """How the audit log names the reader: a customer by contact id (the log outlives their erasure), staff by
    login."""
    return f"contact:{actor.contact_id}" if actor.role == "customer" and actor.contact_id else actor.login


def validate_message(message: str) -> str:
    text = (message or "").strip()
    if not text:
        raise ValueError("the message is empty; write what you need, e.g. 'show me the Acme deals'")
    if len(text) > MAX_MESSAGE_CHARS:
        raise ValueError(f"the message has {len(text)} characters; the limit is {MAX_MESSAGE_CHARS}")
    return text
