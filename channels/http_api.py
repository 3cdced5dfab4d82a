"""The HTTP API: chat (plain and streamed by server-sent events), turn traces and health."""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse

from channels.auth import CurrentActor, caller_is_user
from crm.actor import NotFound
from crm.privacy.guard import shown_to
from tessera.runtime import MAX_MESSAGE_CHARS, Tessera, audit_name


class ChatRequest(BaseModel):
    user: str = Field(min_length=1, max_length=80, description="the Tessera login of the person chatting")
    thread: str = Field("default", min_length=1, max_length=120, pattern=r"^[\w.\-:]+$")
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)


class ToolCallPublic(BaseModel):
    name: str
    args: dict
    id: str


class ChatReply(BaseModel):
    turn_id: str
    thread_id: str
    agent: str
    reply: str
    tool_calls: list[ToolCallPublic]
    duration_ms: float
    trace_url: str
    approval: dict | None = None  # set when the turn paused for a person's decision


class TracePublic(BaseModel):
    id: str
    thread_id: str
    user_login: str
    agent: str
    route_reason: str
    message: str
    reply: str
    steps: list[dict]
    duration_ms: float
    created_at: str


@contextmanager
def as_http_errors(conflict: int = 400) -> Iterator[None]:
    """Domain errors as clear 4xx answers: unknown → 404, not allowed → 403, bad input or state → `conflict`."""
    try:
        yield
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except PermissionError as exc:
        raise HTTPException(403, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(conflict, str(exc)) from exc


def get_tessera(request: Request) -> Tessera:
    return request.app.state.tessera


TesseraDep = Annotated[Tessera, Depends(get_tessera)]
router = APIRouter(prefix="/v1", tags=["chat"])


@router.post("/chat", response_model=ChatReply)
def chat(body: ChatRequest, tessera: TesseraDep) -> ChatReply:
    with as_http_errors():
        result = tessera.chat(body.user, body.thread, body.message)
    return ChatReply(**result.__dict__, trace_url=f"/v1/traces/{result.turn_id}")


@router.post("/chat/stream")
def chat_stream(body: ChatRequest, tessera: TesseraDep) -> EventSourceResponse:
    """Server-sent events: `step` for each graph node that finishes, then `reply`."""
    with as_http_errors():
        events = tessera.stream(body.user, body.thread, body.message)
        first = next(events)  # runs the checks (user, message) before the response starts

    def send():
        for event in (first, *events):
            yield {"event": event["event"], "data": json.dumps(event["data"], ensure_ascii=False, default=str)}

    return EventSourceResponse(send())


@router.get("/traces/{turn_id}", response_model=TracePublic)
def trace(turn_id: str, tessera: TesseraDep, actor: CurrentActor) -> TracePublic:
    """A turn's trace, for the person who chatted (and for admins and prompt engineers)."""
    found = tessera.traces.get(turn_id)
    if found is None or (found.user_login != actor.login and actor.role not in ("admin", "prompt_engineer")):
        raise HTTPException(404, f"no turn with id '{turn_id}'")
    fields = {k: getattr(found, k) for k in TracePublic.model_fields if k != "created_at"}
    with tessera.store.session() as s:  # consent changed since the turn? what it showed is decided again now
        shown, _ = shown_to(s, {k: fields[k] for k in ("message", "reply", "steps")}, role=actor.role,
                            reader_contact=actor.contact_id, now=tessera.clock(), actor=audit_name(actor))
    return TracePublic(**{**fields, **shown}, created_at=found.created_at.isoformat())


class ApprovalDecision(BaseModel):
    approved: bool
    note: str = Field("", max_length=500)


approvals = APIRouter(prefix="/v1/approvals", tags=["approvals"])


@approvals.get("")
def my_pending_approvals(tessera: TesseraDep, actor: CurrentActor) -> list[dict]:
    """Requests waiting for the signed-in approver's decision."""
    return [{"id": a.id, "requested_by": a.requested_by, "payload": a.payload, "created_at": a.created_at.isoformat()}
            for a in tessera.approvals.pending_for(actor.login)]


@approvals.post("/{approval_id}", response_model=ChatReply)
def decide(approval_id: str, body: ApprovalDecision, tessera: TesseraDep, actor: CurrentActor) -> ChatReply:
    """The approver's decision; resumes the requester's paused conversation and returns its reply."""
    with as_http_errors(conflict=409):
        result = tessera.decide(approval_id, actor.login, body.approved, body.note)
    return ChatReply(**result.__dict__, trace_url=f"/v1/traces/{result.turn_id}")


def create_app(tessera: Tessera) -> FastAPI:
    from channels.http_privacy import router as privacy_router
    from channels.http_units import router as units_router
    from channels.mount import mount_channels

    app = FastAPI(title="Tessera", version="0.1.0",
                  description="An AI-native CRM assistant: chat with the CRM, see why it did what it did.")
    app.state.tessera = tessera
    app.include_router(router, dependencies=[Depends(caller_is_user)])  # a token speaks only for its own user
    app.include_router(privacy_router, dependencies=[Depends(caller_is_user)])
    app.include_router(units_router, dependencies=[Depends(caller_is_user)])
    app.include_router(approvals)
    mount_channels(app, tessera)  # the web pages always; Slack and WeCom when configured

    @app.get("/health", tags=["ops"])
    def health() -> dict:
        return {"status": "ok", "store": tessera.store.engine.dialect.name,
                "models": tessera.settings.models.model_dump()}

    return app
