"""HTTP shapes shared by the node's API and the centre's router: request bodies and the error mapping."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from fastapi import HTTPException
from pydantic import BaseModel, Field

from edge_agent.field_service import WorkOrderNotFound, WorkOrderRefused
from edge_agent.records import RecordNotFound


class ErrorDetail(BaseModel):
    detail: str


def _error(description: str) -> dict:
    return {"model": ErrorDetail, "description": description}


# every status an edge route may answer, as the OpenAPI schema documents it (for clients, and Schemathesis)
ERROR_RESPONSES = {
    400: _error("the body is not JSON"),
    401: _error("no credential, or an unknown or revoked node credential, or an unknown or expired API token"),
    403: _error("another node's site, or an admin-only route, or a token without the admin scope"),
    404: _error("no such node, work order, record or account; or the record is quarantined"),
    409: _error("the change is not allowed in the work order's state, or the node is enrolled already"),
    422: {"description": "invalid input: the message says which value and why"},
}


class WorkOrderCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    asset: str | None = None
    location: str | None = None
    type: str = "maintenance"
    priority: str = "normal"
    needs_case: bool = False
    account_id: int | None = None
    id: str | None = Field(default=None, description="a UUID chosen by the client; repeating a create with it is harmless")


class Assign(BaseModel):
    technician: str = Field(min_length=1, max_length=120)
    op_id: str | None = Field(default=None, description="an id for this change; repeating it is harmless")


class Progress(BaseModel):
    percent: int | None = Field(default=None, ge=0, le=100)
    labour_minutes: int = Field(default=0, ge=0)
    note: str | None = None
    op_id: str | None = None


class Close(BaseModel):
    note: str | None = None
    needs_case: bool | None = None
    op_id: str | None = None


class Note(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    op_id: str | None = None


class Priority(BaseModel):
    priority: Literal["low", "normal", "high", "urgent"]
    op_id: str | None = None


@contextmanager
def domain_errors() -> Iterator[None]:
    """Domain refusals as HTTP answers: not found 404, refused 409, bad values 422."""
    try:
        yield
    except (WorkOrderNotFound, RecordNotFound) as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except WorkOrderRefused as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
