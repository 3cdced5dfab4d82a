"""The ASGI app factory, for several worker processes under uvicorn or gunicorn:

    uvicorn --factory channels.asgi:create_server --workers 2 --port 8000
    gunicorn -k uvicorn.workers.UvicornWorker -w 2 'channels.asgi:create_server()'

(`tessera serve --workers N` runs the first and tells the workers how many they are; under uvicorn or gunicorn
directly, set TESSERA_WORKERS=N too, so that a busy worker hands connections back: channels/connection_share.py).
Each worker opens its own assistant from the settings (TESSERA_*
variables, tessera.toml); with PostgreSQL as the store they share conversations, approvals, turn locks and
idempotency keys. Migrate and seed once before starting workers (`tessera serve` does)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from channels.connection_share import ShareConnections
from channels.starting import StartingServer

if TYPE_CHECKING:
    from fastapi import FastAPI


def create_server() -> StartingServer:
    """A worker's app: /health answers at once, /ready and every route once its assistant is built
    (channels/starting.py)."""
    from tessera.settings import Settings

    settings = Settings()
    opened = []

    def build() -> FastAPI:
        from channels.http_api import create_app
        from channels.auth import admin_check
        from edge_agent.centre import mount_edge_hub
        from tessera.runtime import Tessera

        tessera = Tessera(settings, seed=False)
        opened.append(tessera)
        app = create_app(tessera)
        if settings.workers > 1:  # a busy worker hands a keep-alive connection back (channels/connection_share.py)
            app.add_middleware(ShareConnections)
        mount_edge_hub(app, tessera, admin=admin_check(tessera.store))
        tessera.reminders.start()  # every worker polls; the claim in the store sends each reminder once
        tessera.notes.start(tessera.settings.repday.index_poll_seconds)  # one worker at a time holds the claim
        tessera.pruner.start()  # every worker prunes when a retention period is set; a second delete finds nothing
        tessera.deal_scores.warm()  # a saved deal-score model, loaded now rather than by the first deal list
        return app

    def close() -> None:  # the worker's assistant closes when the worker stops
        for tessera in opened:
            tessera.close()

    return StartingServer(build, close=close)
