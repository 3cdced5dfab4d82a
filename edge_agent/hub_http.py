"""The centre's edge endpoints under /v1/edge: the sync websockets, records per node, quarantine and enrolment.

Mount them in any FastAPI app: `app.include_router(edge_router(hub, EdgeGate(store)))` (the router's lifespan starts
the hub). Every route asks the gate first (gate.py): only enrolled nodes sync, each only its own room; records
routes answer that node or an admin; enrolment is for admins.
"""
from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, HTTPException, Request, WebSocket
from pydantic import BaseModel, Field

from crm.edge_nodes import AlreadyEnrolled, enroll_node, enrolled_nodes, revoke_node
from edge_agent.gate import EdgeGate, redact_credentials_in_server_logs
from edge_agent.http import ERROR_RESPONSES, Assign, Close, Note, Priority, Progress, domain_errors
from edge_agent.hub import NODE_ID, EdgeHub, NodeRoom
from edge_agent.records import KINDS

log = logging.getLogger("edge_agent.hub")
RecordKind = Literal["work_order", "inventory_move", "dispatch", "scan"]  # records.KINDS


class Enrolment(BaseModel):
    node_id: str = Field(pattern=NODE_ID.pattern, description="the site's node id, e.g. plant-7")
    account_id: int = Field(ge=1, le=2**31 - 1, description="the CRM account of the site")
    rotate: bool = Field(default=False, description="enrolled already: issue a new credential, the old one stops working")


def edge_router(hub: EdgeHub, gate: EdgeGate) -> APIRouter:
    """The centre's edge endpoints under /v1/edge: the sync websocket (enrolled nodes, each its own room), records
    per node (that node or an admin), and enrolment (admins)."""
    router = APIRouter(prefix="/v1/edge", tags=["edge"], lifespan=hub.lifespan, responses=ERROR_RESPONSES)
    redact_credentials_in_server_logs()  # a y-websocket client's ?token= would otherwise be in the server's log

    def room_of(request: Request, node_id: str) -> NodeRoom:
        request.state.edge_caller = gate.for_node(request, node_id)  # who asks comes first: a stranger learns nothing
        if node_id not in hub.rooms:
            raise HTTPException(status_code=404, detail=f"edge node {node_id!r} has not synced with this centre yet")
        return hub.rooms[node_id]

    def via(request: Request) -> str:
        return request.state.edge_caller.name  # history says who asked the centre to write

    @router.websocket("/sync/{node_id}")
    async def sync(websocket: WebSocket, node_id: str) -> None:
        await hub.serve(websocket, node_id, gate)

    @router.websocket("/sync/{node_id}/{shard}")
    async def sync_one_document(websocket: WebSocket, node_id: str, shard: int) -> None:
        """A stock Y.js provider: room '<node>/<shard>', one document per connection."""
        await hub.serve(websocket, node_id, gate, shard=shard)

    @router.get("/nodes")
    async def nodes(request: Request) -> list[dict]:
        """Every enrolled node with its sync status (admins)."""
        gate.for_admin(request)
        status = {row["node_id"]: row for row in hub.status()}
        with gate.store.session() as s:
            enrolled = [n.as_dict() for n in enrolled_nodes(s)]
        empty = {"connected": False, "synced": False, "records": {}}
        return [{**n, **{k: v for k, v in status.get(n["node_id"], empty).items() if k != "node_id"}} for n in enrolled]

    @router.post("/nodes", status_code=201)
    async def enroll(request: Request, body: Enrolment) -> dict:
        """Enroll a node (admins); the answer holds its credential, shown this once."""
        admin = gate.for_admin(request).admin
        try:
            with gate.store.session() as s:
                node, credential = enroll_node(s, body.node_id, body.account_id, by=admin, rotate=body.rotate)
        except AlreadyEnrolled as exc:
            raise HTTPException(409, str(exc)) from None
        except LookupError as exc:  # no such account
            raise HTTPException(404, str(exc)) from None
        log.warning("admin %s enrolled edge node %s for account %s", admin, node.node_id, node.account_id)
        return {**node.as_dict(), "credential": credential}

    @router.post("/nodes/{node_id}/revoke")
    async def revoke(request: Request, node_id: str) -> dict:
        """Revoke a node (admins): refused from now on, cut off within seconds if connected."""
        admin = gate.for_admin(request).admin
        try:
            with gate.store.session() as s:
                node = revoke_node(s, node_id, by=admin)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        log.warning("admin %s revoked edge node %s", admin, node_id)
        return node.as_dict()

    @router.get("/nodes/{node_id}")
    async def node_status(request: Request, node_id: str) -> dict:
        """One node's sync status and record counts (that node or an admin)."""
        room = room_of(request, node_id)
        return next(row for row in hub.status() if row["node_id"] == room.node_id)

    @router.get("/nodes/{node_id}/quarantine")
    async def quarantine(request: Request, node_id: str) -> list[dict]:
        """What this node synced that failed screening, and why (that node or an admin)."""
        gate.for_node(request, node_id)
        return hub.quarantine(node_id)

    @router.get("/nodes/{node_id}/records")
    async def records(request: Request, node_id: str, kind: RecordKind | None = None) -> list[dict]:
        room = room_of(request, node_id)
        with domain_errors():
            return [r for k in ([kind] if kind else KINDS) for r in room.service.records_of(k)]

    @router.get("/nodes/{node_id}/work-orders/{ref}")
    async def work_order(request: Request, node_id: str, ref: str) -> dict:
        with domain_errors():
            return room_of(request, node_id).service.work_order(ref)

    @router.post("/nodes/{node_id}/work-orders/{ref}/assign")
    async def assign(request: Request, node_id: str, ref: str, body: Assign) -> dict:
        with domain_errors():
            return room_of(request, node_id).service.assign(ref, body.technician, op_id=body.op_id, via=via(request))

    @router.post("/nodes/{node_id}/work-orders/{ref}/progress")
    async def progress(request: Request, node_id: str, ref: str, body: Progress) -> dict:
        with domain_errors():
            return room_of(request, node_id).service.progress(ref, percent=body.percent, labour_minutes=body.labour_minutes,
                                                              note=body.note, op_id=body.op_id, via=via(request))

    @router.post("/nodes/{node_id}/work-orders/{ref}/close")
    async def close(request: Request, node_id: str, ref: str, body: Close) -> dict:
        with domain_errors():
            return room_of(request, node_id).service.close(ref, note=body.note, needs_case=body.needs_case, op_id=body.op_id,
                                                           via=via(request))

    @router.post("/nodes/{node_id}/work-orders/{ref}/notes")
    async def note(request: Request, node_id: str, ref: str, body: Note) -> dict:
        with domain_errors():
            return room_of(request, node_id).service.add_note(ref, body.text, op_id=body.op_id, via=via(request))

    @router.post("/nodes/{node_id}/work-orders/{ref}/priority")
    async def priority(request: Request, node_id: str, ref: str, body: Priority) -> dict:
        with domain_errors():
            return room_of(request, node_id).service.set_priority(ref, body.priority, op_id=body.op_id, via=via(request))

    return router
