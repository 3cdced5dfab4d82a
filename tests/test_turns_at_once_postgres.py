"""Sixteen reps' turns at once on one PostgreSQL worker: four run at a time (the default `turns_at_once`), every one
is answered, and once a first burst has opened the connections a worker keeps, the turns run on them instead of
each opening (and closing) one more: before the bound, each turn past the pools' sizes forked a PostgreSQL backend
of its own."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, func, select

from crm.models import Activity
from tests.conftest import FIXED_NOW
from tests.postgres_support import scratch_or_skip
from tessera.runtime import Tessera
from tessera.settings import Settings

pytestmark = pytest.mark.postgres


def test_sixteen_turns_at_once_run_four_at_a_time_on_the_connections_already_open(tmp_path):
    with scratch_or_skip("tessera_test") as url:
        app = Tessera(Settings(data_dir=tmp_path, database_url=url), clock=lambda: FIXED_NOW)
        opened, lock = [], threading.Lock()
        for engine in (app.store.engine, app.turns.locks.engine):
            event.listen(engine, "connect", lambda *_: opened.append(1))
        running, most, invoke = [0], [0], app.graph.invoke

        def counted(*args, **kwargs):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            try:
                return invoke(*args, **kwargs)
            finally:
                with lock:
                    running[0] -= 1

        app.graph.invoke = counted
        asks = [(who, f"t{i}", f"log a call with Acme Robotics about the quokka pilot, part {i}")
                for i, who in enumerate(["li.wei", "emma.chen", "li.wei", "emma.chen"] * 4)]
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda a: app.chat(*a), asks))  # the first burst opens what the worker keeps
            warm = len(opened)
            replies = list(pool.map(lambda a: app.chat(*a), [(who, f"again-{t}", m) for who, t, m in asks]))
        with app.store.session() as s:
            logged = s.scalar(select(func.count()).select_from(Activity).where(Activity.subject.contains("quokka")))
        app.close()
    assert all(r.tool_calls for r in replies), [r.reply for r in replies if not r.tool_calls]
    assert most[0] == 4
    # the store keeps 4 + 8 connections: of sixteen turns starting at once (a short read each before it waits for
    # a place), at most four go past them; before the bound every turn past the pools' sizes opened its own
    assert len(opened) - warm <= 4
    assert logged == 32
