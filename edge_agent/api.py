"""The edge node's small HTTP API: work orders, parts moves, dispatch, scans, capabilities and chat.

It listens on 127.0.0.1 by default, for the site's own devices through a local proxy or on the same machine.
Bound to any other address it requires its own key (`TESSERA_EDGE__NODE_API_KEY`) on every request, as
`Authorization: Bearer <key>`: the node has no users of its own, so the key is the whole of its access control.
"""
from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel, Field

from edge_agent.chat import EdgeChat
from edge_agent.http import Assign, Close, Note, Priority, Progress, WorkOrderCreate, domain_errors
from edge_agent.node import EdgeNode
from edge_agent.records import KINDS
from edge_agent.wasm.runtime import CapabilityFailed


class InventoryMove(BaseModel):
    part: str = Field(min_length=1, max_length=80)
    quantity: int = Field(gt=0)
    from_location: str
    to_location: str
    work_order_id: str | None = None
    weight_g: int | None = Field(default=None, description="measured weight; checked when expected_g is given too")
    expected_g: int | None = None
    tolerance_g: int = 0
    id: str | None = None


class Dispatch(BaseModel):
    technician: str = Field(min_length=1, max_length=120)
    work_order_ids: list[str] = Field(min_length=1)
    stops: list[list[int]] | None = Field(default=None, description="[x, y] grid points, the first is the start")
    id: str | None = None


class Scan(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    source: str = Field(default="barcode", description="barcode or ocr")
    confidence: int | None = Field(default=None, ge=0, le=100)
    min_confidence: int | None = Field(default=None, ge=0, le=100)
    work_order_id: str | None = None
    id: str | None = None


class ChatIn(BaseModel):
    text: str


MIN_KEY_CHARS = 24
LOCAL_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """The address reaches this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, api_key: str) -> None:
    """ValueError when the node would listen beyond this machine without a key worth the name."""
    if is_loopback(host):
        return
    if not api_key:
        raise ValueError(f"the node's API on {host} would be open to the network: set TESSERA_EDGE__NODE_API_KEY "
                         "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`), or listen on 127.0.0.1")
    if len(api_key) < MIN_KEY_CHARS:
        raise ValueError(f"TESSERA_EDGE__NODE_API_KEY has {len(api_key)} characters; use at least {MIN_KEY_CHARS} random ones")


class RequireKey:
    """ASGI middleware: every HTTP request carries `Authorization: Bearer <key>`, or gets 401 and touches nothing."""

    def __init__(self, app, key: str):
        self.app, self.key = app, key.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        header = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, given = header.partition(b" ")
        if scheme.lower() != b"bearer" or not hmac.compare_digest(given.strip(), self.key):
            body = b'{"detail":"this node\'s API needs its key: send \'Authorization: Bearer <TESSERA_EDGE__NODE_API_KEY>\'"}'
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


class DurableAnswers:
    """ASGI middleware: no answer leaves before the changes made so far are in the log. Requests finishing
    together share one commit; reads wait too, so nobody is shown a change that a crash could still undo."""

    def __init__(self, app, node: EdgeNode):
        self.app, self.node = app, node

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_when_durable(message):
            if message["type"] == "http.response.start":
                await self.node.durable()
            await send(message)

        await self.app(scope, receive, send_when_durable)


def create_app(node: EdgeNode, api_key: str = "") -> FastAPI:
    """The node's API; with `api_key`, every request must carry it (required off localhost: `check_exposure`)."""
    app = FastAPI(title=f"Tessera edge node {node.node_id}", lifespan=node.lifespan)
    app.add_middleware(DurableAnswers, node=node)
    if api_key:
        app.add_middleware(RequireKey, key=api_key)
    app.include_router(_work_orders(node))
    app.include_router(_site(node))
    return app


def _work_orders(node: EdgeNode) -> APIRouter:
    router = APIRouter(prefix="/v1/work-orders", tags=["work orders"])
    service = node.service

    @router.post("", status_code=201)
    async def create(body: WorkOrderCreate) -> dict:
        with domain_errors():
            return service.create_work_order(title=body.title, asset=body.asset, location=body.location, wo_type=body.type,
                                             priority=body.priority, needs_case=body.needs_case,
                                             account_id=body.account_id, record_id=body.id)

    @router.get("")
    async def listing(status: str | None = None, open: bool = False) -> list[dict]:
        return service.work_orders(status=status, open_only=open)

    @router.get("/{ref}")
    async def one(ref: str) -> dict:
        with domain_errors():
            return service.work_order(ref)

    @router.post("/{ref}/assign")
    async def assign(ref: str, body: Assign) -> dict:
        with domain_errors():
            return service.assign(ref, body.technician, op_id=body.op_id)

    @router.post("/{ref}/progress")
    async def progress(ref: str, body: Progress) -> dict:
        with domain_errors():
            return service.progress(ref, percent=body.percent, labour_minutes=body.labour_minutes, note=body.note, op_id=body.op_id)

    @router.post("/{ref}/close")
    async def close(ref: str, body: Close) -> dict:
        with domain_errors():
            return service.close(ref, note=body.note, needs_case=body.needs_case, op_id=body.op_id)

    @router.post("/{ref}/notes")
    async def note(ref: str, body: Note) -> dict:
        with domain_errors():
            return service.add_note(ref, body.text, op_id=body.op_id)

    @router.post("/{ref}/priority")
    async def priority(ref: str, body: Priority) -> dict:
        with domain_errors():
            return service.set_priority(ref, body.priority, op_id=body.op_id)

    return router


def _site(node: EdgeNode) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["site"])
    chat = EdgeChat(node.service)

    @router.get("/health")
    async def health() -> dict:
        return node.status()

    @router.get("/records")
    async def records(kind: str | None = None) -> list[dict]:
        if kind is not None and kind not in KINDS:
            raise HTTPException(status_code=422, detail=f"kind must be one of {', '.join(KINDS)}")
        return [r for k in ([kind] if kind else KINDS) for r in node.service.records_of(k)]

    @router.post("/inventory-moves", status_code=201)
    async def inventory_move(body: InventoryMove) -> dict:
        weighing = None
        if body.weight_g is not None and body.expected_g is not None:
            weighing = {"weight_g": body.weight_g, "expected_g": body.expected_g, "tolerance_g": body.tolerance_g}
        with domain_errors():
            return await node.record_inventory_move(part=body.part, quantity=body.quantity, from_location=body.from_location,
                                                    to_location=body.to_location, work_order_id=body.work_order_id,
                                                    weighing=weighing, record_id=body.id)

    @router.get("/inventory")
    async def inventory() -> dict:
        return node.service.stock()

    @router.post("/dispatches", status_code=201)
    async def dispatch(body: Dispatch) -> dict:
        with domain_errors():
            return await node.dispatch(technician=body.technician, work_order_ids=body.work_order_ids, stops=body.stops, record_id=body.id)

    @router.post("/scans", status_code=201)
    async def scan(body: Scan) -> dict:
        with domain_errors():
            return await node.record_scan(code=body.code, source=body.source, confidence=body.confidence,
                                          min_confidence=body.min_confidence, work_order_id=body.work_order_id, record_id=body.id)

    @router.get("/capabilities")
    async def capabilities() -> list[dict]:
        return node.capabilities.describe()

    @router.post("/capabilities/{name}")
    async def run_capability(name: str, payload: dict) -> dict:
        try:
            return await node.run_capability(name, payload)
        except CapabilityFailed as failure:
            raise HTTPException(status_code=404 if failure.reason == "unavailable" else 422, detail=failure.report()) from None

    @router.post("/chat")
    async def chat_turn(body: ChatIn) -> dict:
        return {"reply": chat.reply(body.text)}

    return router
