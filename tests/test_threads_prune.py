"""Threads past the retention period go with their checkpoints, traces and Idempotency-Keys; recent threads, and old
ones waiting for a decision, stay exactly as they were; `tessera threads prune --dry-run` lists and deletes nothing."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from crm.models import utcnow
from memory.approvals import PendingApproval
from memory.thread_retention import checkpoint_time, newest_checkpoints
from memory.traces import TurnTrace
from memory.turn_journal import IdempotentTurn
from tests.cli_support import run_cli


def thread_state(tessera, thread_id: str) -> dict:
    """Everything stored for one thread: its checkpoints and pending writes, its traces and its keys."""
    checkpoints = [(t.config["configurable"]["checkpoint_id"], tessera.checkpointer.serde.dumps_typed(t.checkpoint),
                    json.dumps(t.metadata, sort_keys=True, default=str), repr(t.pending_writes))
                   for t in tessera.checkpointer.list({"configurable": {"thread_id": thread_id}})]
    with tessera.store.session() as s:
        traces = [(t.id, t.message, t.reply, json.dumps(t.steps), t.created_at)
                  for t in s.scalars(select(TurnTrace).where(TurnTrace.thread_id == thread_id).order_by(TurnTrace.id))]
        keys = sorted(s.scalars(select(IdempotentTurn.key).where(IdempotentTurn.thread_id == thread_id)))
    return {"checkpoints": checkpoints, "traces": traces, "keys": keys}


def test_old_threads_go_with_their_traces_and_keys_and_recent_ones_stay_unchanged(tessera):
    tessera.chat("li.wei", "old", "log a meeting with Acme Robotics about the quokka rollout", idempotency_key="k-old")
    tessera.chat("li.wei", "old", "show me the deals of Acme Robotics")
    time.sleep(0.05)
    cutoff = utcnow()
    time.sleep(0.05)
    tessera.chat("li.wei", "recent", "show me the deals of Acme Robotics", idempotency_key="k-recent")
    tessera.chat("zhao.lei", "recent", "show me the deals of Acme Robotics")
    recent = {t: thread_state(tessera, t) for t in ("li.wei:recent", "zhao.lei:recent")}
    old = thread_state(tessera, "li.wei:old")
    assert len(old["checkpoints"]) > 0 and len(old["traces"]) == 2 and old["keys"] == ["k-old"]

    listed = tessera.pruner.prune(cutoff, dry_run=True)
    assert [t.thread_id for t in listed] == ["li.wei:old"] and listed[0].turns == 2
    assert thread_state(tessera, "li.wei:old") == old  # a dry run deletes nothing

    pruned = tessera.pruner.prune(cutoff)
    assert [t.thread_id for t in pruned] == ["li.wei:old"]
    assert thread_state(tessera, "li.wei:old") == {"checkpoints": [], "traces": [], "keys": []}
    assert not tessera.graph.get_state(tessera.config(tessera.actor("li.wei"), "old")).values
    assert {t: thread_state(tessera, t) for t in recent} == recent  # byte for byte what they were
    assert tessera.pruner.prune(cutoff) == []  # nothing left to prune; the next run finds nothing


def test_the_thread_of_a_pending_approval_is_kept_however_old(tessera):
    tessera.chat("li.wei", "waiting", "show me the deals of Acme Robotics")
    with tessera.store.session() as s:
        s.add(PendingApproval(id="appr-prune-1", thread_id="li.wei:waiting", requested_by="li.wei",
                              approver="zhao.lei", payload={}, status="pending"))
    before = thread_state(tessera, "li.wei:waiting")
    time.sleep(0.05)
    assert tessera.pruner.prune(utcnow()) == []
    assert thread_state(tessera, "li.wei:waiting") == before


def test_a_threads_last_activity_is_read_from_its_newest_checkpoint_id(tessera):
    started = utcnow()
    tessera.chat("li.wei", "timed", "show me the deals of Acme Robotics")
    newest = newest_checkpoints(tessera.checkpointer)["li.wei:timed"]
    assert started <= checkpoint_time(newest) <= utcnow()


def test_the_command_lists_with_dry_run_and_needs_a_period(tessera):
    tessera.chat("li.wei", "cli", "show me the deals of Acme Robotics")
    before = thread_state(tessera, "li.wei:cli")
    kept = run_cli("--json", "threads", "prune", "--older-than", "30", tessera=tessera)
    assert kept.exit_code == 0 and json.loads(kept.stdout)["threads"] == []
    listed = run_cli("--json", "threads", "prune", "--older-than", "0", "--dry-run", tessera=tessera)
    assert listed.exit_code == 0, listed.stderr
    assert "li.wei:cli" in [t["thread"] for t in json.loads(listed.stdout)["threads"]]
    assert thread_state(tessera, "li.wei:cli") == before
    refused = run_cli("threads", "prune", tessera=tessera)
    assert refused.exit_code == 2 and "TESSERA_THREADS__RETENTION_DAYS" in refused.stderr
    with tessera.store.session() as s:
        assert s.scalar(select(func.count()).select_from(TurnTrace).where(TurnTrace.thread_id == "li.wei:cli")) == 1


@pytest.mark.postgres
def test_on_postgres_an_old_thread_goes_and_a_recent_one_stays(tmp_path):
    from contextlib import nullcontext

    from langgraph.graph import END, START, MessagesState, StateGraph

    from crm.store import Store
    from memory.checkpoints import open_checkpointer
    from tessera.migrate import migrate
    from tessera.retention import ThreadPruner
    from tests.postgres_support import scratch_or_skip

    with scratch_or_skip("tessera_prune") as url:
        store = Store(url)
        saver, close = open_checkpointer(url)
        try:
            migrate(store)
            graph = StateGraph(MessagesState)
            graph.add_node("echo", lambda s: {"messages": [("ai", "heard you")]})
            graph.add_edge(START, "echo")
            graph.add_edge("echo", END)
            app = graph.compile(checkpointer=saver)
            app.invoke({"messages": [("user", "hello")]}, {"configurable": {"thread_id": "li.wei:old"}})
            time.sleep(0.05)
            cutoff = utcnow()
            time.sleep(0.05)
            app.invoke({"messages": [("user", "hello")]}, {"configurable": {"thread_id": "li.wei:recent"}})
            recent = [t.checkpoint for t in saver.list({"configurable": {"thread_id": "li.wei:recent"}})]
            pruner = ThreadPruner(store, saver, lambda thread: nullcontext())
            assert [t.thread_id for t in pruner.prune(cutoff)] == ["li.wei:old"]
            assert list(saver.list({"configurable": {"thread_id": "li.wei:old"}})) == []
            assert [t.checkpoint for t in saver.list({"configurable": {"thread_id": "li.wei:recent"}})] == recent
        finally:
            close()
            store.dispose()


def test_serve_prunes_by_itself_when_a_retention_period_is_set(tessera):
    from tessera.retention import ThreadPruner

    tessera.chat("li.wei", "forgotten", "show me the deals of Acme Robotics")
    time.sleep(0.2)
    tessera.chat("li.wei", "fresh", "show me the deals of Acme Robotics")
    fresh = thread_state(tessera, "li.wei:fresh")
    pruner = ThreadPruner(tessera.store, tessera.checkpointer, tessera._lock_thread,
                          retention_days=0.1 / 86400, every_hours=1)  # idle over 0.1 s, at start then hourly
    assert ThreadPruner(tessera.store, tessera.checkpointer, tessera._lock_thread).start() is False  # no period: off
    try:
        assert pruner.start()
        deadline = time.monotonic() + 30
        while thread_state(tessera, "li.wei:forgotten")["traces"] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        pruner.close()
    assert thread_state(tessera, "li.wei:forgotten") == {"checkpoints": [], "traces": [], "keys": []}
