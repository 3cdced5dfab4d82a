"""A server that listens before the assistant is built: liveness and readiness kept apart.

Importing LangChain and LangGraph, migrating and loading the names take seconds; a process supervisor or a load
balancer should not take that for a dead process. So `tessera serve` (and each worker of `channels.asgi`) answers at
once with this ASGI app while the real one is built in a thread:

- `GET /health` (liveness): 200 `{"status": "starting"}` while building, then the real app's 200 `{"status": "ok",
  ...}`; 503 `{"status": "failed"}` if building failed (the process then stops).
- `GET /ready` (readiness): 503 `{"status": "starting"}` until the assistant can take turns, then 200.
- anything else: 503 with `Retry-After` until ready, then the real app answers every request.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from collections.abc import Callable

log = logging.getLogger("tessera.start")

RETRY_AFTER_SECONDS = 2


def stop_this_process(_error: BaseException) -> None:
    """The default on a failed start: the server shuts down as on Ctrl-C (SIGTERM), and the process ends."""
    os.kill(os.getpid(), signal.SIGTERM)


class StartingServer:
    """Answers /health and /ready while `build()` runs in a thread; then hands every request (and the built app's
    lifespan) to the app `build()` returned. `close()` runs after that app's lifespan has ended."""

    def __init__(self, build: Callable[[], Callable], *, close: Callable[[], None] | None = None,
                 on_failure: Callable[[BaseException], None] = stop_this_process):
        self._build, self._close, self._on_failure = build, close, on_failure
        self.app: Callable | None = None  # the built app, once ready
        self.failed: BaseException | None = None
        self._booting: asyncio.Future | None = None
        self._lifespan = None  # the built app's lifespan context, entered once built
        self._state: dict = {}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self._serve_lifespan(receive, send)
        elif self.app is not None:
            if self._state:
                scope = {**scope, "state": {**scope.get("state", {}), **self._state}}
            await self.app(scope, receive, send)
        elif scope["type"] == "http":
            await self._answer_while_starting(scope, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013, "reason": "starting; try again in a moment"})

    async def _serve_lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._booting = asyncio.ensure_future(self._boot())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._booting is not None:
                    await asyncio.shield(self._booting)  # a build under way finishes before anything closes
                if self._lifespan is not None:
                    await self._lifespan.__aexit__(None, None, None)
                if self._close is not None:
                    self._close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _boot(self) -> None:
        try:
            app = await asyncio.get_running_loop().run_in_executor(None, self._build)
            lifespan = app.router.lifespan_context(app)
            self._state = dict(await lifespan.__aenter__() or {})
            self._lifespan, self.app = lifespan, app
            log.info("ready")
        except Exception as exc:  # noqa: BLE001 -- reported on /health and in the log, then the process stops
            self.failed = exc
            log.exception("tessera could not start")
            self._on_failure(exc)

    async def _answer_while_starting(self, scope, send) -> None:
        failed = self.failed is not None
        body = {"status": "failed", "error": f"{type(self.failed).__name__}: {self.failed}"} if failed else \
            {"status": "starting"}
        status = 200 if scope["path"] == "/health" and not failed else 503
        if scope["path"] not in ("/health", "/ready"):
            body = {"detail": "Tessera could not start; see its log" if failed else
                    f"Tessera is starting; try again in {RETRY_AFTER_SECONDS} s"}
        payload = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                                (b"retry-after", str(RETRY_AFTER_SECONDS).encode())]})
        await send({"type": "http.response.body", "body": payload})
