"""Finding 8: 20 concurrent turns on one thread all answered 200 but the checkpoint history forked 6 times and kept
2 of the 20 user messages; a crash mid-turn left written activities with no trace, so a client's retry wrote them
twice. Now turns of a thread run one at a time across processes, each turn is whole and traced, and a retry with
the same Idempotency-Key returns the first result."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from sqlalchemy import func, select

from crm.models import Activity
from memory.thread_lock import ThreadBusy
from memory.traces import TurnTrace
from memory.turn_journal import TurnInFlight
from tests.conftest import FIXED_NOW, settings_for
from tests.security.conftest import Api, pg_settings
from tessera.runtime import Tessera
from tessera.settings import AgentModels
from tessera.turns import TurnFailed
from tools.registry import ALL

ROOT = Path(__file__).resolve().parents[2]
SCRIPTED = AgentModels(sales="scripted/llm", fallbacks=[])
WHOLE_RACE = {"history_turns": 20}  # the checkpoint keeps all 20 turns of the race, so the history shows them all


def race(workers: list[Tessera], thread: str, turns: int = 20) -> list[Exception]:
    """`turns` turns of li.wei on one thread, all at once, spread over the workers (separate lock holders)."""
    start, errors = threading.Barrier(turns), []

    def turn(i: int) -> None:
        start.wait()
        try:
            workers[i % len(workers)].chat("li.wei", thread, f"show me the deals of Acme Robotics (ask {i})")
        except Exception as exc:  # collected: the assertion below names them
            errors.append(exc)

    threads = [threading.Thread(target=turn, args=(i,)) for i in range(turns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return errors


def assert_one_history(tessera: Tessera, thread: str, turns: int = 20) -> None:
    config = tessera.config(tessera.actor("li.wei"), thread)
    asked = [m.content for m in tessera.graph.get_state(config).values["messages"] if isinstance(m, HumanMessage)]
    assert sorted(asked) == sorted(f"show me the deals of Acme Robotics (ask {i})" for i in range(turns))
    checkpoints = list(tessera.checkpointer.list({"configurable": {"thread_id": config["configurable"]["thread_id"]}}))
    parents = [c.parent_config["configurable"]["checkpoint_id"] for c in checkpoints if c.parent_config]
    assert len(parents) == len(set(parents)) == len(checkpoints) - 1  # a single chain: no checkpoint has two children
    with tessera.store.session() as s:
        assert s.scalar(select(func.count()).select_from(TurnTrace)
                        .where(TurnTrace.thread_id == config["configurable"]["thread_id"])) == turns


def test_twenty_concurrent_turns_on_one_thread_keep_one_history_on_sqlite(data_dir):
    workers = [Tessera(settings_for(data_dir, limits=WHOLE_RACE), clock=lambda: FIXED_NOW, seed=False) for _ in "ab"]
    try:
        assert race(workers, "race") == []
        assert_one_history(workers[0], "race")
    finally:
        for w in workers:
            w.close()


@pytest.mark.postgres
def test_twenty_concurrent_turns_on_one_thread_keep_one_history_on_postgres(pg_url, tmp_path):
    workers = [Tessera(pg_settings(pg_url, tmp_path / n, limits=WHOLE_RACE), clock=lambda: FIXED_NOW, seed=False)
               for n in "ab"]
    try:
        assert race(workers, "pg-race") == []
        assert_one_history(workers[0], "pg-race")
    finally:
        for w in workers:
            w.close()


def walrus_calls(tessera: Tessera) -> int:
    with tessera.store.session() as s:
        return s.scalar(select(func.count()).select_from(Activity).where(Activity.subject.contains("walrus")))


def log_walrus_call() -> dict:
    return {"content": "Logging the call.", "tool_calls": [{"name": "log_activity", "args": {
        "account": "Acme Robotics", "kind": "call", "subject": "walrus renewal call"}}]}


def test_a_model_failing_after_a_write_leaves_a_whole_traced_turn_and_a_retry_writes_nothing(data_dir, scripted):
    app = Tessera(settings_for(data_dir, models=SCRIPTED), clock=lambda: FIXED_NOW, seed=False)
    api = Api(app)
    scripted.enqueue(log_walrus_call(), {"fail": True})
    request = {"thread": "walrus", "message": "I called Acme about the walrus renewal"}
    headers = {**api.auth("li.wei"), "Idempotency-Key": "walrus-1"}
    first = api.client.post("/v1/chat", json=request, headers=headers)
    assert first.status_code == 500 and "trace" in first.json()["detail"]
    turn_id = first.headers["X-Tessera-Turn"]
    trace = app.traces.get(turn_id)
    assert [s["type"] for s in trace.steps] == ["model", "tool", "error"] and trace.user_login == "li.wei"
    assert '"ok": true' in trace.steps[1]["result"] and "ServiceUnavailableError" in trace.steps[2]["error"]
    retried = api.client.post("/v1/chat", json=request, headers=headers)
    assert retried.status_code == 500 and retried.headers["X-Tessera-Turn"] == turn_id  # the first result, again
    assert walrus_calls(app) == 1
    scripted.enqueue({"content": "Anything else?"})
    after = api.client.post("/v1/chat", json={"thread": "walrus", "message": "thanks"}, headers=api.auth("li.wei"))
    assert after.status_code == 200 and after.json()["reply"] == "Anything else?"
    last_seen = scripted.history[-1]["messages"]  # the model saw a closed turn, not a dangling one
    assert [m["role"] for m in last_seen[-5:]] == ["user", "assistant", "tool", "assistant", "user"]
    assert "stopped with an error" in last_seen[-2]["content"]
    app.close()


def test_a_tool_that_raises_still_answers_its_call_and_the_turn_goes_on(data_dir, scripted, monkeypatch):
    def broken(ctx, args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ALL["log_activity"], "run", broken)
    app = Tessera(settings_for(data_dir, models=SCRIPTED), clock=lambda: FIXED_NOW, seed=False)
    scripted.enqueue(log_walrus_call(), {"content": "Sorry, logging failed; nothing was recorded."})
    turn = app.chat("li.wei", "broken", "I called Acme about the walrus renewal")
    assert turn.reply == "Sorry, logging failed; nothing was recorded."
    tool_step = next(s for s in app.traces.get(turn.turn_id).steps if s["type"] == "tool")
    assert tool_step["status"] == "error" and "failed unexpectedly (RuntimeError)" in tool_step["result"]
    assert walrus_calls(app) == 0
    app.close()


def test_a_turn_killed_after_its_write_is_closed_and_traced_and_its_retry_does_not_write_again(data_dir, scripted):
    child = subprocess.run([sys.executable, "-m", "tests.security.crash_child", str(data_dir), "walrus-crash"],
                           cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=300)
    assert child.returncode == 17, child.stderr.decode()[-2000:]
    app = Tessera(settings_for(data_dir, models=SCRIPTED), clock=lambda: FIXED_NOW, seed=False)
    assert walrus_calls(app) == 1
    with app.store.session() as s:
        assert s.scalar(select(func.count()).select_from(TurnInFlight)) == 1  # the crash left its turn open
    with pytest.raises(TurnFailed) as retried:  # the client's retry: same key, same request
        app.chat("li.wei", "crash", "I called Acme about the walrus renewal", idempotency_key="walrus-crash")
    assert walrus_calls(app) == 1
    trace = app.traces.get(retried.value.turn_id)
    assert [s["type"] for s in trace.steps] == ["model", "tool", "error"] and "interrupted" in trace.steps[-1]["error"]
    assert '"ok": true' in trace.steps[1]["result"]  # the trace says what was written
    scripted.enqueue({"content": "Noted."})
    assert app.chat("li.wei", "crash", "thanks").reply == "Noted."
    messages = app.graph.get_state(app.config(app.actor("li.wei"), "crash")).values["messages"]
    assert [type(m) for m in messages] == [HumanMessage, AIMessage, ToolMessage, AIMessage, HumanMessage, AIMessage]
    app.close()


def test_a_retry_with_the_same_key_returns_the_first_answer_and_acts_once(api):
    write = {"thread": "idem", "message": "记录一下今天给北辰医疗器械打了电话，讨论续约"}
    headers = {**api.auth("li.wei"), "Idempotency-Key": "renewal-call-1"}
    with api.tessera.store.session() as s:
        before = s.scalar(select(func.count()).select_from(Activity))
    first = api.client.post("/v1/chat", json=write, headers=headers)
    again = api.client.post("/v1/chat", json=write, headers=headers)
    assert first.status_code == again.status_code == 200, first.text
    assert [c["name"] for c in first.json()["tool_calls"]] == ["log_activity"]
    assert again.json()["turn_id"] == first.json()["turn_id"] and again.json()["replayed"]
    assert again.headers["Idempotent-Replayed"] == "true" and not first.json()["replayed"]
    with api.tessera.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Activity)) == before + 1
    with api.client.stream("POST", "/v1/chat/stream", json=write, headers=headers) as streamed:
        text = "".join(streamed.iter_text())
    assert "event: step" not in text and first.json()["turn_id"] in text  # the stream replays the same answer


def test_a_key_sent_with_another_body_is_refused_and_keys_belong_to_their_user(api):
    headers = {**api.auth("li.wei"), "Idempotency-Key": "k-2"}
    assert api.client.post("/v1/chat", json={"message": "hi"}, headers=headers).status_code == 200
    reused = api.client.post("/v1/chat", json={"message": "show me the deals of Acme Robotics"}, headers=headers)
    assert reused.status_code == 422 and reused.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    other_user = api.client.post("/v1/chat", json={"message": "hi"},
                                 headers={**api.auth("emma.chen"), "Idempotency-Key": "k-2"})
    assert other_user.status_code == 200 and not other_user.json()["replayed"]
    for bad in ("has spaces", "x" * 201, "ключ".encode()):
        r = api.client.post("/v1/chat", json={"message": "hi"}, headers={**api.auth("li.wei"), "Idempotency-Key": bad})
        assert r.status_code == 422, bad


def test_a_turn_that_waits_too_long_for_its_thread_gets_409_and_does_nothing(data_dir):
    app = Tessera(settings_for(data_dir, limits={"turn_wait_seconds": 0.3}), clock=lambda: FIXED_NOW, seed=False)
    api = Api(app)
    held, release = threading.Event(), threading.Event()

    def long_turn() -> None:
        with app.turns.locks.hold("li.wei:busy", wait=5):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=long_turn)
    holder.start()
    held.wait(10)
    r = api.client.post("/v1/chat", json={"thread": "busy", "message": "hi"}, headers=api.auth("li.wei"))
    release.set()
    holder.join()
    assert r.status_code == 409 and "still running" in r.json()["detail"]
    assert app.traces.for_thread("li.wei:busy") == []
    with pytest.raises(ThreadBusy):
        with app.turns.locks.hold("li.wei:busy", wait=5), app.turns.locks.hold("li.wei:busy", wait=0.1):
            pass
    app.close()


def test_a_stream_the_client_stops_reading_still_finishes_its_turn(tessera):
    events = tessera.stream("li.wei", "left", "show me the deals of Acme Robotics")
    assert next(events)["event"] == "step"
    events.close()  # the client went away after the first event
    traces = tessera.traces.for_thread("li.wei:left")
    assert len(traces) == 1 and "find_deals" in str(traces[0].steps)
