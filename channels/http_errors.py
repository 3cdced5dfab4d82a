"""One mapping from domain and runtime errors to clear HTTP answers, and the error responses the OpenAPI
schema documents for them (so a client, and Schemathesis, know every status a route may give)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from crm.actor import NotFound
from memory.approvals import AlreadyDecided
from memory.thread_lock import ThreadBusy
from tessera.runtime import Tessera
from tessera.turns import FirstResultGone, IdempotencyKeyBusy, IdempotencyKeyReused, TurnFailed, TurnsBusy


class ErrorDetail(BaseModel):
    detail: str


def _error(description: str) -> dict:
    return {"model": ErrorDetail, "description": description}


AUTH_ERRORS = {401: _error("no token, or an unknown, revoked or expired one, or its user was disabled or erased"),
               403: _error("the token lacks the scope, or its owner may not do this")}
INPUT_ERRORS = {400: _error("malformed text or a request the domain refuses, with the reason"),
                413: _error("the body is larger than the limit (64 KB by default)"),
                415: _error("the body is not UTF-8 JSON")}
ERROR_RESPONSES = {**AUTH_ERRORS, **INPUT_ERRORS, 404: _error("no such record, or not yours")}
TURN_ERRORS = {409: _error("another turn of this thread is still running, or the Idempotency-Key's first request "
                           "is still running or its answer was erased"),
               422: {"description": "invalid input, or an Idempotency-Key first used with another request"},
               503: _error("this server ran its most turns at once (TESSERA_LIMITS__TURNS_AT_ONCE) for as long as a "
                           "turn waits; try again after Retry-After")}


@contextmanager
def as_http_errors(conflict: int = 400) -> Iterator[None]:
    """Domain errors as clear answers: unknown → 404, not allowed → 403, decided or busy → 409,
    a reused Idempotency-Key → 422, a failed turn → 500 naming its trace, no place for
    one more turn in this process → 503, other bad input or state → `conflict`."""
    try:
        yield
    except FirstResultGone as exc:
        raise HTTPException(409, str(exc)) from exc
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except PermissionError as exc:
        raise HTTPException(403, str(exc)) from exc
    except (AlreadyDecided, ThreadBusy, IdempotencyKeyBusy) as exc:
        raise HTTPException(409, str(exc)) from exc
    except IdempotencyKeyReused as exc:
        raise RequestValidationError([{"type": "idempotency_key_reused", "loc": ("header", "Idempotency-Key"),
                                       "msg": str(exc), "input": None}]) from exc
    except TurnsBusy as exc:
        raise HTTPException(503, str(exc), headers={"Retry-After": "2"}) from exc
    except TurnFailed as exc:
        raise HTTPException(500, f"{exc} (GET /v1/traces/{exc.turn_id})",
                            headers={"X-Tessera-Turn": exc.turn_id}) from exc
    except ValueError as exc:
        raise HTTPException(conflict, str(exc)) from exc


def get_tessera(request: Request) -> Tessera:
    return request.app.state.tessera


TesseraDep = Annotated[Tessera, Depends(get_tessera)]
