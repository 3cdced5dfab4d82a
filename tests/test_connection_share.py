"""With several workers, a worker busy with other requests hands the client's connection back (`Connection: close`),
so the next request goes to whichever worker accepts first; a lone request keeps its connection, and a single worker
does not count at all."""
from __future__ import annotations

import asyncio
import time

import pytest

from channels.connection_share import ShareConnections


class SlowApp:
    """Answers each request once its `release` event is set; `started` is set when the request arrives."""

    def __init__(self):
        self.started, self.release = {}, {}

    async def __call__(self, scope, receive, send):
        path = scope["path"]
        self.started.setdefault(path, asyncio.Event()).set()
        await self.release.setdefault(path, asyncio.Event()).wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": path.encode()})


async def request(app, path: str) -> list[dict]:
    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    await app({"type": "http", "path": path, "headers": []}, receive, send)
    return sent


def headers(sent: list[dict]) -> list[tuple]:
    return [h for m in sent if m["type"] == "http.response.start" for h in m["headers"]]


def answered_while_another_waits() -> tuple[list, list]:
    """/a answers while /b is in flight; then /b answers alone."""
    async def scenario():
        slow = SlowApp()
        app = ShareConnections(slow)
        slow.release["/a"], slow.release["/b"], slow.started["/b"] = (asyncio.Event() for _ in range(3))
        a, b = asyncio.create_task(request(app, "/a")), asyncio.create_task(request(app, "/b"))
        await slow.started["/b"].wait()
        slow.release["/a"].set()
        first = await a
        slow.release["/b"].set()
        return first, await b

    return asyncio.run(scenario())


def test_a_busy_worker_of_several_asks_the_client_to_reconnect():
    first, last = answered_while_another_waits()
    assert (b"connection", b"close") in headers(first)
    assert (b"content-type", b"text/plain") in headers(first) and first[-1]["body"] == b"/a"  # the answer unchanged
    assert (b"connection", b"close") not in headers(last)  # alone by then: the connection stays


def test_a_websocket_passes_through_untouched():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    asyncio.run(ShareConnections(app)({"type": "websocket"}, None, None))
    assert seen == ["websocket"]


@pytest.mark.parametrize(("workers", "shared"), [("2", True), ("1", False)])
def test_a_worker_of_several_shares_its_connections_and_a_lone_one_keeps_them(tmp_path, monkeypatch, workers, shared):
    from fastapi.testclient import TestClient

    from channels.asgi import create_server

    monkeypatch.setenv("TESSERA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TESSERA_WORKERS", workers)
    server = create_server()
    with TestClient(server) as client:
        for _ in range(600):  # the worker builds its assistant in a thread: wait for /ready
            if client.get("/ready").status_code == 200:
                break
            time.sleep(0.1)
        assert server.app is not None, "the worker never became ready"
        assert any(m.cls is ShareConnections for m in server.app.user_middleware) is shared
