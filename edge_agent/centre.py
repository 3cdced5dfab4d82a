"""The centre side of edge sync inside Tessera's server, at /v1/edge: edge records become CRM cases and webhooks,
exactly once, as the `edge` section of the settings says."""
from __future__ import annotations

from fastapi import FastAPI

from edge_agent.followups import FollowupConfig, Followups
from edge_agent.hub import EdgeHub, edge_router


def mount_edge_hub(app: FastAPI, tessera) -> None:
    """Mounts the hub for a running assistant (`tessera.runtime.Tessera`): its store, settings and users."""
    settings = tessera.settings
    edge = settings.edge
    config = FollowupConfig(webhook_url=edge.webhook_url or None, accounts=edge.accounts,
                            opened_by=tessera.actor(edge.service_login).user_id)
    app.include_router(edge_router(EdgeHub(settings.data_dir / "edge-hub", Followups(tessera.store, config))))
