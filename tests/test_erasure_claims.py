"""Several workers polling one erasure queue: each queued request is claimed by exactly one of them and run once,
on SQLite (two engines on one file) and on PostgreSQL (two connection pools on a scratch database); a claim held by
a live worker is left alone, and one whose worker died is taken over once its lease has run out."""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import update

from crm.privacy import erasure_claims, requests
from crm.privacy.erasure import Eraser
from crm.privacy.models import SubjectRequest
from crm.store import Store
from tessera.erasure_jobs import ErasureJobs
from tessera.migrate import migrate
from tests.conftest import FIXED_NOW
from tests.postgres_support import scratch_or_skip

JOBS = 16


class RecordingEraser(Eraser):
    """An eraser whose work is to note which worker ran which request (and to take a little time doing it)."""

    def __init__(self, store: Store, runs: list):
        super().__init__(store)
        self.runs = runs

    def _carry_out(self, request_id: int, *, now: dt.datetime, by: str) -> dict:
        self.runs.append((request_id, self.worker))
        time.sleep(0.02)  # long enough for the other worker to reach the same request if claims did not hold
        with self.store.session() as s:
            requests.finish(s, s.get(SubjectRequest, request_id), now=now, by=by, note="recorded")
        return {"request": request_id}


def queue(store: Store, n: int) -> list[int]:
    with store.session() as s:
        return [requests.open_request(s, contact_id=1000 + i, kind="erase", scope="user.contact.phone_number",
                                      channel="chat", now=FIXED_NOW, by=f"contact:{1000 + i}").id for i in range(n)]


def two_workers_drain(url: str) -> tuple[list[tuple[int, str]], Store]:
    """Two worker processes' worth of queue (own engine, own eraser, own worker thread) draining at once."""
    runs: list[tuple[int, str]] = []
    stores = [Store(url), Store(url)]
    jobs = [ErasureJobs(RecordingEraser(st, runs), clock=lambda: FIXED_NOW) for st in stores]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def drain(j: ErasureJobs) -> None:
        start.wait()
        try:
            j.drain(timeout=60)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=drain, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for j in jobs:
        j.close()
    stores[1].dispose()
    assert not errors, errors
    return runs, stores[0]


def assert_each_ran_once(store: Store, ids: list[int], runs: list[tuple[int, str]]) -> None:
    ran = [request_id for request_id, _ in runs]
    assert sorted(ran) == sorted(ids), "every queued request runs exactly once"
    assert len({worker for _, worker in runs}) == 2, "both workers took part (the race was really run)"
    with store.session() as s:
        assert {s.get(SubjectRequest, i).status for i in ids} == {"done"}


def test_two_workers_on_one_sqlite_file_run_each_queued_erasure_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    store = Store(url)
    migrate(store)
    ids = queue(store, JOBS)
    runs, store = two_workers_drain(url)
    assert_each_ran_once(store, ids, runs)
    store.dispose()


@pytest.mark.postgres
def test_two_workers_on_postgres_run_each_queued_erasure_once():
    with scratch_or_skip("tessera_claims") as url:
        store = Store(url)
        migrate(store)
        ids = queue(store, JOBS)
        store.dispose()
        runs, store = two_workers_drain(url)
        assert_each_ran_once(store, ids, runs)
        store.dispose()


def test_a_live_claim_is_left_alone_and_a_dead_workers_claim_is_taken_over_when_its_lease_runs_out(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'queue.db'}")
    migrate(store)
    first, second = queue(store, 2)
    assert erasure_claims.claim_next(store, "worker-a") == first
    assert erasure_claims.claim_next(store, "worker-b") == second  # a's claim is skipped, not waited for
    assert erasure_claims.claim_next(store, "worker-c") is None
    assert not erasure_claims.claim(store, first, "worker-c")
    with store.session() as s:  # worker a died a while ago: its lease ran out
        s.execute(update(SubjectRequest).where(SubjectRequest.id == first)
                  .values(claimed_until=dt.datetime(2020, 1, 1)))
    assert erasure_claims.claim_next(store, "worker-c") == first
    with store.session() as s:
        assert s.get(SubjectRequest, first).claimed_by == "worker-c"
        assert s.get(SubjectRequest, second).claimed_by == "worker-b"  # the other claim is unchanged
    erasure_claims.release(store, second, "worker-a")  # only the holder can give a claim back
    assert erasure_claims.claim_next(store, "worker-c") is None
    erasure_claims.release(store, second, "worker-b")
    assert erasure_claims.claim_next(store, "worker-c") == second
    store.dispose()


def test_an_erasure_carried_out_at_once_is_never_taken_by_the_queue(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'queue.db'}")
    migrate(store)
    eraser = RecordingEraser(store, [])
    request_id = eraser.accept(1000, scope="user.contact.phone_number", now=FIXED_NOW, by="cli", channel="cli",
                               claim=True)
    assert erasure_claims.claim_next(store, "queue-worker") is None
    report = RecordingEraser(store, []).carry_out(request_id, now=FIXED_NOW, by="other")
    assert report["status"] == "running elsewhere" and eraser.runs == []
    assert eraser.carry_out(request_id, now=FIXED_NOW, by="cli") == {"request": request_id}
    store.dispose()
