"""While the assistant is being built the server already answers: /health says it is alive and starting, /ready and
every other route say 503 with Retry-After, and nothing reaches the app; once built, every route is the app's. A
start that fails says so on /health and stops the process."""
from __future__ import annotations

import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient

from channels.starting import StartingServer


def small_app(events: list[str]) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app):
        events.append("app started")
        yield
        events.append("app stopped")

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/ready")
    def ready() -> dict:
        return {"status": "ready"}

    @app.post("/v1/chat")
    def chat() -> dict:
        events.append("chat")
        return {"reply": "hello"}

    return app


def test_while_building_health_is_alive_and_nothing_else_reaches_the_app():
    events, release, built = [], threading.Event(), threading.Event()

    def build():
        release.wait(30)
        built.set()
        return small_app(events)

    server = StartingServer(build, close=lambda: events.append("closed"))
    with TestClient(server) as client:
        health = client.get("/health")
        assert health.status_code == 200 and health.json() == {"status": "starting"}
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.json() == {"status": "starting"}
        refused = client.post("/v1/chat", json={"message": "hi"})
        assert refused.status_code == 503 and refused.headers["retry-after"] == "2"
        assert events == []  # no route of the app ran, and its start-up has not either

        release.set()
        built.wait(30)
        for _ in range(300):  # the app's own start-up runs on the server's loop just after the build
            if client.get("/ready").status_code == 200:
                break
            threading.Event().wait(0.01)
        assert client.get("/ready").json() == {"status": "ready"}
        assert client.get("/health").json() == {"status": "ok"}
        assert client.post("/v1/chat", json={}).json() == {"reply": "hello"}
        assert events == ["app started", "chat"]
    assert events == ["app started", "chat", "app stopped", "closed"]


def test_a_failed_start_says_so_on_health_and_stops_the_process():
    stopped, failed = [], threading.Event()

    def build():
        raise ConnectionError("no database answers at db:5432")

    def on_failure(error):
        stopped.append(error)
        failed.set()

    server = StartingServer(build, on_failure=on_failure)
    with TestClient(server) as client:
        assert failed.wait(30)
        health = client.get("/health")
        assert health.status_code == 503
        assert health.json() == {"status": "failed", "error": "ConnectionError: no database answers at db:5432"}
        assert client.get("/ready").status_code == 503 and client.post("/v1/chat").status_code == 503
    assert [type(e) for e in stopped] == [ConnectionError]
