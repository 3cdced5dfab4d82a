"""Several worker processes on one PostgreSQL store: a conversation goes on from one worker to another, a request
paused on one is decided on another, two people deciding one request at once on two workers get one 200 and one
409, a retried request answered by one worker is replayed by the other, and names written on one worker are read
at the other's next turn; `tessera serve --workers 2` serves, and its /metrics counts the turns of every worker."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from langchain_core.messages import HumanMessage
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from channels.auth import issue_token
from crm.models import Account, Contact
from tests.test_approvals_graph import escalating_deal
from tests.server_support import free_port, wait_until_healthy
from tests.postgres_support import scratch_or_skip
from tessera.runtime import Tessera
from tessera.settings import Settings

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def running(args: list[str], env: dict) -> Iterator[str]:
    """A server process on a free port; yields its base URL once /health answers."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, *args, "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(proc, base, 180)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A seeded PostgreSQL store, its settings as environment variables, and tokens for a rep and her manager."""
    with scratch_or_skip("tessera_workers") as url:
        data_dir = tmp_path_factory.mktemp("workers")
        tessera = Tessera(Settings(data_dir=data_dir, database_url=url))
        with tessera.store.session() as s:
            tokens = {login: issue_token(s, login) for login in ("li.wei", "zhao.lei")}
        deal = escalating_deal(tessera.store)
        tessera.close()
        env = {**os.environ, "TESSERA_DATABASE_URL": url, "TESSERA_DATA_DIR": str(data_dir),
               "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
        yield {"url": url, "env": env, "data_dir": data_dir, "tokens": tokens, "deal": deal}


@pytest.fixture(scope="module")
def two_workers(shop):
    """Two worker processes of the app factory, each on its own port, so a test chooses which one it calls."""
    factory = ["-m", "uvicorn", "--factory", "channels.asgi:create_server"]
    with running(factory, shop["env"]) as a, running(factory, shop["env"]) as b:
        assert httpx.get(f"{a}/health").json()["worker"] != httpx.get(f"{b}/health").json()["worker"]
        yield a, b


def as_user(shop, login: str, **headers) -> dict:
    return {"Authorization": f"Bearer {shop['tokens'][login]}", **headers}


def chat(base: str, shop, thread: str, message: str, login: str = "li.wei", **headers) -> httpx.Response:
    return httpx.post(f"{base}/v1/chat", json={"thread": thread, "message": message},
                      headers=as_user(shop, login, **headers), timeout=120)


def ask_for_approval(base: str, shop, thread: str, percent: int) -> str:
    """A discount above the unit's own limit: it waits for the manager (a new percent each time: a request
    already decided is answered with its decision)."""
    r = chat(base, shop, thread, f"request a {percent}% discount on {shop['deal']} to match a competitor, "
                                 "promised by 2026-12-15")
    assert r.status_code == 200 and r.json()["confirmation"]["tool"] == "request_discount", r.text
    r = chat(base, shop, thread, "yes")  # booking a discount waits for the asker's own yes first
    assert r.status_code == 200 and r.json()["approval"], r.text
    return r.json()["approval"]["id"]


def test_a_conversation_goes_on_from_one_worker_to_the_other(shop, two_workers):
    a, b = two_workers
    first = chat(a, shop, "across", "show me the deals of Acme Robotics")
    second = chat(b, shop, "across", "who are the contacts at Acme Robotics")
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    reader = Tessera(Settings(data_dir=shop["data_dir"], database_url=shop["url"]), seed=False)
    try:
        values = reader.graph.get_state(reader.config(reader.actor("li.wei"), "across")).values
        assert [m.content for m in values["messages"] if isinstance(m, HumanMessage)] == [
            "show me the deals of Acme Robotics", "who are the contacts at Acme Robotics"]
        assert {t.id for t in reader.traces.for_thread("li.wei:across")} == {first.json()["turn_id"],
                                                                             second.json()["turn_id"]}
    finally:
        reader.close()


def test_a_request_paused_on_one_worker_is_decided_on_the_other(shop, two_workers):
    a, b = two_workers
    approval = ask_for_approval(a, shop, "paused-on-a", 8)
    waiting = httpx.get(f"{b}/v1/approvals", headers=as_user(shop, "zhao.lei")).json()
    assert approval in [w["id"] for w in waiting]
    decided = httpx.post(f"{b}/v1/approvals/{approval}", json={"approved": False, "note": "hold the price"},
                         headers=as_user(shop, "zhao.lei"), timeout=120)
    assert decided.status_code == 200, decided.text
    assert approval not in [w["id"] for w in httpx.get(f"{a}/v1/approvals", headers=as_user(shop, "zhao.lei")).json()]


def test_two_decisions_at_once_on_two_workers_one_wins_the_other_gets_409(shop, two_workers):
    a, b = two_workers
    approval = ask_for_approval(a, shop, "raced", 9)
    start, answers = threading.Barrier(2), {}

    def decide(base: str, approved: bool) -> None:
        start.wait()
        answers[approved] = httpx.post(f"{base}/v1/approvals/{approval}", json={"approved": approved},
                                       headers=as_user(shop, "zhao.lei"), timeout=120)

    racers = [threading.Thread(target=decide, args=(a, True)), threading.Thread(target=decide, args=(b, False))]
    for t in racers:
        t.start()
    for t in racers:
        t.join(180)
    assert sorted(r.status_code for r in answers.values()) == [200, 409], {k: r.text for k, r in answers.items()}
    winner = next(approved for approved, r in answers.items() if r.status_code == 200)
    reader = Tessera(Settings(data_dir=shop["data_dir"], database_url=shop["url"]), seed=False)
    try:
        assert reader.approvals.get(approval).status == ("approved" if winner else "rejected")
    finally:
        reader.close()


def test_a_retry_sent_to_the_other_worker_gets_the_first_answer(shop, two_workers):
    a, b = two_workers
    message = "log a call with Acme Robotics about the walrus renewal"
    first = chat(a, shop, "retried", message, **{"Idempotency-Key": "walrus-across"})
    again = chat(b, shop, "retried", message, **{"Idempotency-Key": "walrus-across"})
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert again.json()["turn_id"] == first.json()["turn_id"] and again.json()["replayed"]


def test_tessera_serve_runs_several_workers_on_postgresql(shop):
    with running(["-m", "tessera.cli", "serve", "--workers", "2"], shop["env"]) as base:
        workers = set()
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:  # a new connection each time: either may answer
            health = httpx.get(f"{base}/health", headers={"Connection": "close"}).json()
            if "worker" in health:  # a worker still building its assistant says only {"status": "starting"}
                workers.add(health["worker"])
            else:
                time.sleep(0.1)
        r = chat(base, shop, "served", "show me the deals of Acme Robotics")
        assert r.status_code == 200, r.text
        assert len(workers) == 2
        seen = [turns_counted(httpx.get(f"{base}/metrics", headers={"Connection": "close"})) for _ in range(12)]
        assert seen == [1] * 12  # whichever worker answers counts the other's turn too (multiprocess mode)


def turns_counted(response: httpx.Response) -> float:
    assert response.status_code == 200, response.text
    return sum(s.value for family in text_string_to_metric_families(response.text) if family.name == "tessera_turns"
               for s in family.samples if s.name == "tessera_turns_total")


def test_several_workers_on_sqlite_are_refused_with_the_reason(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tessera.cli", "serve", "--workers", "2"], cwd=ROOT,
                          env={**os.environ, "TESSERA_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "PostgreSQL" in done.stderr


def test_after_an_erasure_on_one_worker_the_others_reload_the_names(shop):
    settings = Settings(data_dir=shop["data_dir"], database_url=shop["url"])
    erasing, other = Tessera(settings, seed=False), Tessera(settings, seed=False)
    heard = {"erasing": threading.Event(), "other": threading.Event()}
    erasing.refresh_lexicon = heard["erasing"].set  # the listeners call whatever refresh_lexicon is now
    other.refresh_lexicon = heard["other"].set
    try:
        erasing.names_changed()  # what the erasure queue calls when a request is carried out
        assert heard["erasing"].is_set()  # its own reload, at once
        assert heard["other"].wait(10)  # the other worker heard it
    finally:
        erasing.close()
        other.close()


def test_a_name_written_on_one_worker_is_known_at_the_other_workers_next_turn(shop):
    settings = Settings(data_dir=shop["data_dir"], database_url=shop["url"])
    writer, reader = Tessera(settings, seed=False), Tessera(settings, seed=False)
    try:
        rep, elsewhere = reader.actor("li.wei"), reader.actor("deng.chao")
        assert "Walrus Logistics" not in names_for(reader, rep)["account"]  # the reader holds its lists now
        with writer.store.session() as s:  # on the other worker: a new account and contact, a person renamed
            like = s.scalar(select(Account).where(Account.unit_id == rep.unit_id).order_by(Account.id))
            walrus = Account(name="Walrus Logistics", tenant_id=like.tenant_id, unit_id=like.unit_id,
                             owner_id=like.owner_id, industry="Logistics", region=like.region, city=like.city)
            s.add(walrus)
            s.flush()
            s.add(Contact(account_id=walrus.id, full_name="Ingrid Walrus", title="Buyer", email="iw@example.com",
                          phone="+1 555 0100", city=like.city))
            renamed = s.scalar(select(Contact).where(Contact.account_id == like.id).order_by(Contact.id))
            old_name, renamed.full_name = renamed.full_name, "Rosalind Okafor"

        turn = reader.chat("li.wei", "walrus", "Just got off the phone with Ingrid Walrus, note it")
        logged = [c["args"] for c in turn.tool_calls if c["name"] == "log_activity"]
        assert [a.get("account") for a in logged] == ["Walrus Logistics"], turn.tool_calls  # her employer, by name
        seen = names_for(reader, rep)
        assert "Walrus Logistics" in seen["account"]
        assert {"Ingrid Walrus", "Rosalind Okafor"} <= seen["contact"] and old_name not in seen["contact"]
        assert "Walrus Logistics" not in names_for(reader, elsewhere)["account"]  # still only in its own unit
    finally:
        writer.close()
        reader.close()


def names_for(tessera: Tessera, actor) -> dict[str, set[str]]:
    """The names the worker would read `actor`'s next turn with, by kind."""
    lexicon = tessera.lexicons.for_actor(actor)
    return {kind: {e.canonical for e in lexicon.entries.get(kind, [])} for kind in ("account", "contact")}
