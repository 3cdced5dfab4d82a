"""A conversation's checkpoints: at most two writes a turn, a checkpoint that holds the last few turns however long
the thread grows, and a conversation that goes on after a restart with every turn still in the trace log."""
from __future__ import annotations

from pathlib import Path

from langchain_core.messages import HumanMessage

from bench.bench_checkpoints import count_writes, stored_bytes
from tests.conftest import FIXED_NOW, settings_for
from tessera.runtime import Tessera

ASKS = ["show me the deals of Acme Robotics", "log a call with Acme Robotics about the renewal",
        "who are the contacts at Initech Retail", "give me an overview of Acme Robotics"]


def count_commits(tessera: Tessera) -> list[int]:
    return count_writes(tessera.checkpointer.inner)  # the benchmark's counter: each put / put_writes one commit


def asked(tessera: Tessera, thread: str) -> list[str]:
    values = tessera.graph.get_state(tessera.config(tessera.actor("li.wei"), thread)).values
    return [m.content for m in values["messages"] if isinstance(m, HumanMessage)]


def test_a_long_thread_keeps_its_last_turns_writes_twice_a_turn_at_most_and_goes_on_after_a_restart(data_dir):
    settings = settings_for(data_dir, limits={"history_turns": 3})
    app = Tessera(settings, clock=lambda: FIXED_NOW, seed=False)
    counter, per_turn, sent = count_commits(app), [], []
    for i in range(9):
        before = counter[0]
        sent.append(f"{ASKS[i % len(ASKS)]} ({i})")
        turn = app.chat("li.wei", "long", sent[-1])
        assert turn.reply
        per_turn.append(counter[0] - before)
    assert max(per_turn) <= 2 and min(per_turn) >= 1, per_turn  # a turn is stored, in two writes at most
    assert asked(app, "long") == sent[-3:]
    assert sorted(t.message for t in app.traces.for_thread("li.wei:long")) == sorted(sent)  # all in the log
    app.close()

    again = Tessera(settings, clock=lambda: FIXED_NOW, seed=False)
    turn = again.chat("li.wei", "long", "show me the deals of Acme Robotics (after the restart)")
    assert "find_deals" in [c["name"] for c in turn.tool_calls]
    assert asked(again, "long") == [*sent[-2:], "show me the deals of Acme Robotics (after the restart)"]
    again.close()


def test_what_a_turn_stores_is_the_same_at_turn_40_as_once_its_window_filled(data_dir):
    """Reads only (no write grows the store's records between the two ends): the same questions in the same order
    store the same bytes per turn however long the thread is."""
    asks = ["show me the deals of Acme Robotics", "who are the contacts at Initech Retail",
            "give me an overview of Acme Robotics", "看一下北辰医疗器械的商机"]
    app = Tessera(settings_for(data_dir, limits={"history_turns": 3}), clock=lambda: FIXED_NOW, seed=False)
    path, stored = Path(app.settings.checkpoints_url), []
    for i in range(40):
        before = stored_bytes(path)
        app.chat("li.wei", "long", asks[i % len(asks)])
        stored.append(stored_bytes(path) - before)
    app.close()
    filled, late = sum(stored[8:12]), sum(stored[36:40])  # the same four questions, once at turn 9 and at turn 37
    assert late <= filled * 1.02, (filled, late, stored)
    assert sum(stored[:4]) <= filled  # a thread's first turns store less: their window is not full yet


def test_the_older_turns_leave_only_their_own_thread(data_dir):
    app = Tessera(settings_for(data_dir, limits={"history_turns": 2}), clock=lambda: FIXED_NOW, seed=False)
    app.chat("li.wei", "other", "show me the deals of Acme Robotics")
    for i in range(4):
        app.chat("li.wei", "long", f"who are the contacts at Initech Retail ({i})")
    assert asked(app, "other") == ["show me the deals of Acme Robotics"]
    assert len(asked(app, "long")) == 2
    app.close()


def test_an_erasure_rewrites_a_conversation_only_between_its_turns_whichever_worker_runs_them(data_dir):
    import threading

    from memory.checkpoints import CheckpointErasure

    erasing = Tessera(settings_for(data_dir), clock=lambda: FIXED_NOW, seed=False)
    serving = Tessera(settings_for(data_dir), clock=lambda: FIXED_NOW, seed=False)  # another worker, same store
    target = next(t for t in erasing.eraser.targets if isinstance(t, CheckpointErasure))
    entered, release, done = threading.Event(), threading.Event(), threading.Event()

    def a_long_turn() -> None:
        with serving.turns.locks.hold("li.wei:busy", wait=5):
            entered.set()
            release.wait(30)

    def rewrite() -> None:
        with target.lock_thread("li.wei:busy"):
            done.set()

    turn = threading.Thread(target=a_long_turn)
    turn.start()
    entered.wait(10)
    eraser = threading.Thread(target=rewrite)
    eraser.start()
    try:
        assert not done.wait(0.5)  # the other worker's turn holds the thread
    finally:
        release.set()
    assert done.wait(30)
    turn.join()
    eraser.join()
    erasing.close()
    serving.close()
