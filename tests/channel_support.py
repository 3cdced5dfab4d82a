"""Channel test support: a local HTTP server standing in for an outside API (Slack's Web API, WeCom's message
API) that records calls, and one seeded Tessera shared by a test module (channel tests only read the CRM)."""
from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from channels.identities import seed_channels
from tests.conftest import FIXED_NOW, settings_for
from tessera.runtime import Tessera


@pytest.fixture(scope="module")
def module_tessera(seeded_template, tmp_path_factory):
    """A Tessera with the demo data and the demo channel links, built once per module to keep the tests fast."""
    directory = tmp_path_factory.mktemp("channels")
    shutil.copy(seeded_template, directory / "tessera.db")
    app = Tessera(settings_for(directory), clock=lambda: FIXED_NOW, seed=False)
    with app.store.session() as s:
        seed_channels(s)
    yield app
    app.close()


@dataclass
class Call:
    method: str
    path: str
    query: dict
    headers: dict
    body: dict


class FakeApi:
    """Answers with `routes[path](call) -> dict` (default {"ok": true}) and keeps every call in `calls`."""

    def __init__(self, routes: dict[str, Callable[[Call], dict]] | None = None):
        self.routes = routes or {}
        self.calls: list[Call] = []
        self._changed = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                url = urlsplit(self.path)
                data = self.rfile.read(int(self.headers.get("content-length") or 0))
                try:
                    raw = data.decode()
                except UnicodeDecodeError:  # an uploaded file: kept as bytes
                    raw = None
                if raw is None:
                    body = {"bytes": data}
                elif "json" in (self.headers.get("content-type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = dict(parse_qsl(raw))
                call = Call(self.command, url.path, dict(parse_qsl(url.query)), dict(self.headers), body)
                answer = fake.routes.get(url.path, lambda c: {"ok": True})(call)
                with fake._changed:  # kept before the answer goes out: a caller that got its answer sees its call
                    fake.calls.append(call)
                    fake._changed.notify_all()
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json; charset=utf-8")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def calls_to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 30.0) -> list[Call]:
        """Blocks until `path` was called `count` times; fails the test after `timeout` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.calls_to(path)) >= count, timeout=timeout):
                raise AssertionError(f"{path} was called {len(self.calls_to(path))} times, expected {count}; "
                                     f"calls: {[c.path for c in self.calls]}")
        return self.calls_to(path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slack_api():
    """A fake Slack Web API that knows the bot and accepts messages (other calls answer {"ok": true})."""
    api = FakeApi({"/auth.test": lambda c: {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"},
                   "/chat.postMessage": lambda c: {"ok": True, "ts": "1800000000.000900", "channel": c.body["channel"]}})
    yield api
    api.close()
