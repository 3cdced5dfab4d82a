"""A real edge hub over the seeded CRM, served by uvicorn, and real nodes syncing to it over websockets."""
from __future__ import annotations

import asyncio
import time
from contextlib import contextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from channels.auth import admin_check, issue_token
from crm.edge_nodes import enroll_node
from crm.models import Account, Case
from edge_agent.followups import EdgeOutbox, FollowupConfig, Followups
from edge_agent.gate import EdgeGate
from edge_agent.hub import EdgeHub
from edge_agent.hub_http import edge_router
from tests.security.conftest import served

PLANT, OTHER = 3, 4  # the seeded accounts plant-7 and plant-8 are enrolled for


class Centre:
    """The hub mounted as `tessera serve` mounts it: node credentials for nodes, API tokens with 'admin' for admins."""

    def __init__(self, store, directory):
        self.store = store
        gate = EdgeGate(store, admin_check(store))
        self.hub = EdgeHub(directory / "hub", Followups(store, FollowupConfig()), synchronous="NORMAL",
                           site_account=gate.site_account)
        self.app = FastAPI()
        self.app.include_router(edge_router(self.hub, gate))
        with store.session() as s:
            self.plant7, self.credential7 = enroll_node(s, "plant-7", PLANT, by="test")
            self.plant8, self.credential8 = enroll_node(s, "plant-8", OTHER, by="test")
            self.admin_token = issue_token(s, "admin", scopes=["admin"])
            self.staff_token = issue_token(s, "li.wei")

    @contextmanager
    def client(self):
        with TestClient(self.app, raise_server_exceptions=False) as client:
            yield client

    @contextmanager
    def serving(self):
        with served(self.app) as (host, port):
            yield f"ws://{host}:{port}/v1/edge/sync", f"http://{host}:{port}"

    def cases(self) -> list[Case]:
        with self.store.session() as s:
            return list(s.scalars(select(Case).where(Case.classification["source"].as_string() == "edge")))

    def case_rows(self) -> list[tuple]:
        with self.store.session() as s:
            return [(c.id, c.account_id, c.opened_by, c.description) for c in s.scalars(select(Case).order_by(Case.id))]

    def outbox(self) -> list[tuple]:
        with self.store.session() as s:
            return [(r.record_id, r.action) for r in s.scalars(select(EdgeOutbox))]

    def accounts(self) -> list[tuple]:
        with self.store.session() as s:
            return [(a.id, a.name, a.owner_id) for a in s.scalars(select(Account).order_by(Account.id))]


async def until(check, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"{what} not reached within {timeout}s"
        await asyncio.sleep(0.05)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
