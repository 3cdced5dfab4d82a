"""A process runs at most `limits.turns_at_once` turns at a time: more requests wait for a place (and run, whole),
and a request that finds no place for as long as a turn waits gets 503 with Retry-After, having changed nothing."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from channels.auth import issue_token
from channels.http_api import create_app
from crm.models import Activity
from memory.traces import TurnTrace
from tessera.runtime import Tessera
from tessera.settings import RequestLimits
from tests.conftest import FIXED_NOW, settings_for


def assistant(data_dir, **limits) -> Tessera:
    return Tessera(settings_for(data_dir, limits=RequestLimits(**limits)), clock=lambda: FIXED_NOW, seed=False)


def watch_running_turns(app: Tessera, hold: threading.Event | None = None) -> list[int]:
    """Counts the graph runs under way at each start (optionally each run waits for `hold`)."""
    running, seen, lock, invoke = [0], [], threading.Lock(), app.graph.invoke

    def counted(*args, **kwargs):
        with lock:
            running[0] += 1
            seen.append(running[0])
        try:
            if hold is not None:
                hold.wait(10)
            return invoke(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    app.graph.invoke = counted
    return seen


def test_six_reps_asking_at_once_of_a_one_turn_server_are_all_answered_one_after_the_other(data_dir):
    app = assistant(data_dir, turns_at_once=1)
    seen = watch_running_turns(app)
    asks = [("li.wei", f"t{i}", "show me my open deals") for i in range(3)] + \
           [("emma.chen", f"t{i}", "who are the contacts at Shanghai Precision Tools") for i in range(3)]
    with ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(lambda a: app.chat(*a), asks))
    app.close()
    assert all(r.reply for r in replies) and len({r.turn_id for r in replies}) == 6
    assert seen and max(seen) == 1


def test_two_places_let_two_turns_run_together_and_no_third(data_dir):
    app = assistant(data_dir, turns_at_once=2)
    seen = watch_running_turns(app)
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda i: app.chat("li.wei", f"t{i}", "show me my open deals"), range(6)))
    app.close()
    assert max(seen) <= 2 and len(seen) == 6


def test_a_request_that_finds_no_place_in_time_gets_503_and_writes_nothing(data_dir):
    app = assistant(data_dir, turns_at_once=1, turn_wait_seconds=0.3)
    hold = threading.Event()
    started = watch_running_turns(app, hold)
    with app.store.session() as s:
        token = issue_token(s, "li.wei")
        calls, traces = (s.scalar(select(func.count()).select_from(t)) for t in (Activity, TurnTrace))
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(app)) as client, ThreadPoolExecutor(1) as pool:
        first = pool.submit(client.post, "/v1/chat", json={"thread": "a", "message": "show me my open deals"},
                            headers=headers)
        while not started:  # the first turn runs: it holds the only place
            threading.Event().wait(0.01)
        busy = client.post("/v1/chat", json={"thread": "b", "message": "log a call with Shanghai Precision Tools"},
                           headers=headers)
        hold.set()
        assert first.result().status_code == 200
    with app.store.session() as s:
        after = tuple(s.scalar(select(func.count()).select_from(t)) for t in (Activity, TurnTrace))
    app.close()
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "2"
    assert "most turns at once" in busy.json()["detail"]
    assert after == (calls, traces + 1)  # the first turn's trace; the refused call was never logged
