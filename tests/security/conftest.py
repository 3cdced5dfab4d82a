"""Fixtures for the adversarial suite: an app with the real HTTP surface, tokens per login, a scripted model,
and one seeded PostgreSQL database for the whole package (skipped, saying why, where no server answers)."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from channels.auth import issue_token
from channels.http_api import create_app
from tests.conftest import FIXED_NOW
from tests.postgres_support import scratch_or_skip
from tessera.runtime import Tessera
from tessera.settings import Settings



class Api:
    """The HTTP API of one Tessera as a client sees it, with a token per login issued on demand."""

    def __init__(self, tessera: Tessera):
        self.tessera = tessera
        self.client = TestClient(create_app(tessera), raise_server_exceptions=False)
        self._tokens: dict[str, str] = {}

    def token(self, login: str, **kw) -> str:
        if kw:
            with self.tessera.store.session() as s:
                return issue_token(s, login, **kw)
        if login not in self._tokens:
            with self.tessera.store.session() as s:
                self._tokens[login] = issue_token(s, login)
        return self._tokens[login]

    def auth(self, login: str) -> dict:
        return {"Authorization": f"Bearer {self.token(login)}"}


@pytest.fixture
def api(tessera) -> Api:
    return Api(tessera)


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory):
    """A seeded PostgreSQL database shared by the package's PostgreSQL tests (each uses its own threads)."""
    with scratch_or_skip("tessera_security") as url:
        seeding = Tessera(Settings(data_dir=tmp_path_factory.mktemp("pg"), database_url=url), clock=lambda: FIXED_NOW)
        seeding.close()
        yield url


def pg_settings(url: str, directory, **overrides) -> Settings:
    return Settings(data_dir=directory, database_url=url, **overrides)


@contextmanager
def served(app) -> Iterator[tuple[str, int]]:
    """`app` under a real uvicorn on a free local port, for attacks a test client cannot make (raw sockets)."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start within 20 s"
        time.sleep(0.02)
    try:
        yield "127.0.0.1", port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
