"""The HTTP API of autonomous units: the boundary dashboard, the template library and contract replays."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from crm.actor import AccessDenied, Actor, NotFound
from crm.autonomy.catalog import list_templates
from crm.autonomy.dashboard import boundary_status
from crm.autonomy.replay import replay
from tessera.runtime import Tessera

router = APIRouter(prefix="/v1/units", tags=["units"])


def get_tessera(request: Request) -> Tessera:
    return request.app.state.tessera


TesseraDep = Annotated[Tessera, Depends(get_tessera)]
UserQuery = Annotated[str, Query(min_length=1, max_length=80, description="the caller's Tessera login")]


class ReplayRequest(BaseModel):
    contract_yaml: str = Field(min_length=1, description="the proposed contract, as YAML")
    days: int = Field(30, gt=0, le=366, description="how many days of requests to replay")


def _actor(tessera: Tessera, login: str) -> Actor:
    try:
        return tessera.actor(login)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc


def _call(fn):
    try:
        return fn()
    except (NotFound, LookupError) as exc:
        raise HTTPException(404, str(exc)) from exc
    except (AccessDenied, PermissionError) as exc:
        raise HTTPException(403, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc


@router.get("/status")
def status(tessera: TesseraDep, user: UserQuery, unit: str | None = None, closest_by: str = "margin") -> dict:
    actor = _actor(tessera, user)

    def read():
        with tessera.store.session() as s:
            return boundary_status(s, actor, today=tessera.clock().date(), unit=unit, closest_by=closest_by)
    return _call(read)


@router.get("/templates")
def templates() -> list[dict]:
    return list_templates()


@router.post("/{unit}/contract/replay")
def replay_contract(unit: str, body: ReplayRequest, tessera: TesseraDep, user: UserQuery) -> dict:
    actor = _actor(tessera, user)

    def run():
        with tessera.store.session() as s:
            return replay(s, actor, unit=unit, contract_text=body.contract_yaml, days=body.days, now=tessera.clock())
    return _call(run)
