"""The centre side of edge sync inside Tessera's server, at /v1/edge: edge records from enrolled nodes become CRM
cases and webhooks, exactly once, as the `edge` section of the settings says."""
from __future__ import annotations

from fastapi import FastAPI

from edge_agent.followups import FollowupConfig, Followups
from edge_agent.gate import AdminCheck, EdgeGate
from edge_agent.hub import EdgeHub
from edge_agent.hub_http import edge_router


def shared_log(url: str):
    """The PostgreSQL update log every worker shares, or None for the embedded SQLite file (one process)."""
    if not url:
        return None
    from edge_agent.pg_log import PgUpdateLog

    return PgUpdateLog(url)


def mount_edge_hub(app: FastAPI, tessera, *, admin: AdminCheck | None) -> EdgeHub:
    """Mounts the hub for a running assistant (`tessera.runtime.Tessera`): its store, where nodes are enrolled, and
    its settings. `admin` checks an API token for the admin scope (the channels pass `channels.auth.admin_check`;
    required, so that no server mounts the hub without deciding who its admins are; None: nodes only)."""
    settings = tessera.settings
    config = FollowupConfig(webhook_url=settings.edge.webhook_url or None)
    gate = EdgeGate(tessera.store, admin)
    hub = EdgeHub(settings.data_dir / "edge-hub", Followups(tessera.store, config), site_account=gate.site_account,
                  log=shared_log(settings.edge.hub_log(tessera.store.url)))
    app.include_router(edge_router(hub, gate))
    return hub
