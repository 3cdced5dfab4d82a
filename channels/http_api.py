"""The HTTP API: chat (plain and streamed by server-sent events), turn traces, approvals and health.

Who acts is the bearer token's owner and no one else: no request model or route takes a user."""
from __future__ import annotations

import json
import os
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Path, Response
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse

from channels.auth import ApprovalsActor, ChatActor
from channels.http_errors import ERROR_RESPONSES, TURN_ERRORS, ErrorDetail, TesseraDep, as_http_errors
from channels.http_input import NO_NUL, SOME_TEXT, RequestBody, guard_input, refuse_unknown_query, require_json
from channels.turn_view import last_turn_charts
from crm.privacy.guard import shown_to
from tessera.runtime import MAX_MESSAGE_CHARS, Tessera, audit_name
from tessera.turns import check_key

IdempotencyKey = Annotated[str | None, Header(  # the parameter idempotency_key is the header Idempotency-Key
    min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$",
    description="send the same key again to get the first answer instead of a second turn (kept 24 h, per user; "
                "a key first sent with another body gives 422)")]


class ChatRequest(RequestBody):
    thread: str = Field("default", min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.:\-]+$")
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS, pattern=SOME_TEXT)


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
    confirmation: dict | None = None  # set when the turn shows a plan and waits for the user's own yes
    written: list[dict] = []  # what the turn wrote: record, field, old → new
    undo_ids: list[int] = []  # POST /v1/undo/{id} takes one back (or POST /v1/undo the last request's)
    replayed: bool = False  # true: the first answer to this Idempotency-Key, no new turn ran
    charts: list[dict] = []  # Vega-Lite specs, when a chart says it better (a trend, a ranking, a share)


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


def reply_of(result, response: Response | None = None) -> ChatReply:
    if response is not None and result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ChatReply(**result.fields(), trace_url=f"/v1/traces/{result.turn_id}")


GUARDS = [Depends(require_json), Depends(refuse_unknown_query)]
router = APIRouter(prefix="/v1", tags=["chat"], dependencies=GUARDS, responses=ERROR_RESPONSES)


@router.post("/chat", response_model=ChatReply, responses=TURN_ERRORS)
def chat(body: ChatRequest, tessera: TesseraDep, actor: ChatActor, response: Response,
         idempotency_key: IdempotencyKey = None) -> ChatReply:
    """One turn as the token's owner. Turns of one thread run one at a time."""
    with as_http_errors():
        result = tessera.chat(actor.login, body.thread, body.message, idempotency_key=check_key(idempotency_key))
    reply = reply_of(result, response)
    # a turn that ran now brings its charts; a replayed answer's are read from the thread
    reply.charts = result.charts if result.charts is not None else \
        last_turn_charts(tessera, actor.login, body.thread, body.message)
    return reply


@router.post("/chat/stream", responses={**TURN_ERRORS, 200: {"content": {"text/event-stream": {}},
                                                              "description": "`step` events, then `reply`"}})
def chat_stream(body: ChatRequest, tessera: TesseraDep, actor: ChatActor,
                idempotency_key: IdempotencyKey = None) -> EventSourceResponse:
    """Server-sent events: `step` for each graph node that finishes, then `reply` (or `error`)."""
    with as_http_errors():
        events = tessera.stream(actor.login, body.thread, body.message, idempotency_key=check_key(idempotency_key))
        first = next(events)  # runs the checks (message, lock, Idempotency-Key) before the response starts

    def send():
        try:
            for event in (first, *events):
                yield {"event": event["event"], "data": json.dumps(event["data"], ensure_ascii=False, default=str)}
        except Exception as exc:  # the response has started: the error goes as an event, not a status
            try:
                with as_http_errors():
                    raise exc
            except HTTPException as http:
                yield {"event": "error", "data": json.dumps({"status": http.status_code, "detail": http.detail},
                                                            ensure_ascii=False)}

    headers = {"Idempotent-Replayed": "true"} if first["event"] == "reply" and first["data"].get("replayed") else {}
    return EventSourceResponse(send(), headers=headers)


class ConfirmationAnswer(RequestBody):
    confirm: bool = Field(description="true: go ahead with the plan; false: cancel it")


ConfirmationId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


@router.post("/chat/confirmations/{confirmation_id}", response_model=ChatReply, responses={409: {
    "model": ErrorDetail, "description": "already answered, or the conversation is busy"}})
def answer_confirmation(confirmation_id: ConfirmationId, body: ConfirmationAnswer, tessera: TesseraDep,
                        actor: ChatActor) -> ChatReply:
    """The answer to a plan a chat reply showed (`confirmation.id`): only the user who asked may give it (403 for
    anyone else). Yes carries the plan out; no cancels it. Either way the conversation's reply comes back."""
    with as_http_errors(conflict=409):
        result = tessera.confirm(confirmation_id, actor.login, body.confirm)
    return reply_of(result)


TurnId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9\-]+$")]


@router.get("/traces/{turn_id}", response_model=TracePublic)
def trace(turn_id: TurnId, tessera: TesseraDep, actor: ChatActor) -> TracePublic:
    """A turn's trace, for the person who chatted (and for admins and prompt engineers)."""
    found = tessera.traces.get(turn_id)
    if found is None or (found.user_login != actor.login and actor.role not in ("admin", "prompt_engineer")):
        raise HTTPException(404, f"no turn with id '{turn_id}'")
    fields = {k: getattr(found, k) for k in TracePublic.model_fields if k != "created_at"}
    with tessera.store.session() as s:  # consent changed since the turn? what it showed is decided again now
        shown, _ = shown_to(s, {k: fields[k] for k in ("message", "reply", "steps")}, role=actor.role,
                            reader_contact=actor.contact_id, now=tessera.clock(), actor=audit_name(actor))
    return TracePublic(**{**fields, **shown}, created_at=found.created_at.isoformat())


class ChartsPublic(BaseModel):
    charts: list[dict]


@router.get("/traces/{turn_id}/charts", response_model=ChartsPublic)
def charts(turn_id: TurnId, tessera: TesseraDep, actor: ChatActor) -> ChartsPublic:
    """The Vega-Lite charts of a turn (the web chat draws them), for the person who chatted."""
    found = tessera.traces.get(turn_id)
    if found is None or found.user_login != actor.login:
        raise HTTPException(404, f"no turn with id '{turn_id}'")
    thread = found.thread_id.split(":", 1)[1]
    return ChartsPublic(charts=last_turn_charts(tessera, actor.login, thread, found.message))


class ApprovalDecision(RequestBody):
    approved: bool
    note: str = Field("", max_length=500, pattern=NO_NUL)


class ApprovalPublic(BaseModel):
    id: str
    requested_by: str
    payload: dict
    created_at: str


approvals = APIRouter(prefix="/v1/approvals", tags=["approvals"], dependencies=GUARDS, responses=ERROR_RESPONSES)
ApprovalId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


@approvals.get("", response_model=list[ApprovalPublic])
def my_pending_approvals(tessera: TesseraDep, actor: ApprovalsActor) -> list[ApprovalPublic]:
    """Requests waiting for the signed-in approver's decision."""
    return [ApprovalPublic(id=a.id, requested_by=a.requested_by, payload=a.payload, created_at=a.created_at.isoformat())
            for a in tessera.approvals.pending_for(actor.login)]


@approvals.post("/{approval_id}", response_model=ChatReply, responses={409: {
    "model": ErrorDetail, "description": "someone decided it first, or the requester's conversation is busy"}})
def decide(approval_id: ApprovalId, body: ApprovalDecision, tessera: TesseraDep, actor: ApprovalsActor) -> ChatReply:
    """The approver's decision (the named approver, or someone the unit's contract names); resumes the requester's
    paused conversation and returns its reply. Of two concurrent decisions one wins; the other gets 409."""
    with as_http_errors(conflict=409):
        result = tessera.decide(approval_id, actor.login, body.approved, body.note)
    return reply_of(result)


def create_app(tessera: Tessera) -> FastAPI:
    from channels.http_privacy import router as privacy_router
    from channels.http_undo import router as undo_router
    from channels.http_prompts import router as prompts_router
    from channels.http_repday import router as repday_router
    from channels.http_units import router as units_router
    from channels.http_metrics import router as metrics_router
    from channels.mount import mount_channels

    app = FastAPI(title="Tessera", version="0.1.0",
                  description="An AI-native CRM assistant: chat with the CRM, see why it did what it did. "
                              "Every call acts as the owner of its bearer token.")
    app.state.tessera = tessera
    guard_input(app, tessera.settings.limits.max_body_bytes)
    app.include_router(router)
    app.include_router(privacy_router)
    app.include_router(units_router)
    app.include_router(repday_router)
    app.include_router(approvals)
    app.include_router(undo_router)
    app.include_router(prompts_router)  # prompt engineers only (crm/prompt_registry/)
    app.include_router(metrics_router)  # /metrics, for the operator's Prometheus only
    mount_channels(app, tessera)  # the web pages always; Slack and WeCom when configured

    @app.get("/health", tags=["ops"])
    def health() -> dict:
        return {"status": "ok", "store": tessera.store.engine.dialect.name,
                "models": tessera.settings.models.model_dump(), "worker": os.getpid()}

    @app.get("/ready", tags=["ops"])
    def ready() -> dict:
        """Readiness: 200 once this worker takes turns (before that, channels/starting.py answers 503)."""
        return {"status": "ready", "worker": os.getpid()}

    return app
