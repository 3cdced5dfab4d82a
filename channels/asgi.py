"""The ASGI app factory, for several worker processes under uvicorn or gunicorn:

    uvicorn --factory channels.asgi:create_server --workers 2 --port 8000
    gunicorn -k uvicorn.workers.UvicornWorker -w 2 'channels.asgi:create_server()'

(`tessera serve --workers N` runs the first.) Each worker opens its own assistant from the settings (TESSERA_*
variables, tessera.toml); with PostgreSQL as the store they share conversations, approvals, turn locks and
idempotency keys. Migrate and seed once before starting workers (`tessera serve` does)."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI


def create_server() -> FastAPI:
    from channels.http_api import create_app
    from channels.auth import admin_check
    from edge_agent.centre import mount_edge_hub
    from tessera.runtime import Tessera
    from tessera.settings import Settings

    tessera = Tessera(Settings(), seed=False)
    app = create_app(tessera)
    mount_edge_hub(app, tessera, admin=admin_check(tessera.store))
    tessera.reminders.start()  # every worker polls; the claim in the store sends each reminder once
    tessera.notes.start(tessera.settings.repday.index_poll_seconds)  # one worker at a time holds the claim
    tessera.pruner.start()  # every worker prunes when a retention period is set; a second delete finds nothing
    opened = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application):  # the worker's assistant closes when the worker stops
        async with opened(application) as state:
            yield state
        tessera.close()

    app.router.lifespan_context = lifespan
    return app
