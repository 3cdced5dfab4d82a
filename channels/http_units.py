"""The HTTP API of autonomous units: the boundary dashboard, the template library and contract replays.

The caller is the bearer token's owner (staff, with the `units` scope); what they see is scoped by their role."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from channels.auth import UnitsActor
from channels.http_errors import ERROR_RESPONSES, TesseraDep
from channels.http_input import SOME_TEXT, RequestBody, refuse_unknown_query, require_json
from crm.actor import AccessDenied, NotFound
from crm.autonomy.catalog import list_templates
from crm.autonomy.dashboard import METRICS, boundary_status
from crm.autonomy.replay import replay
from pydantic import Field

router = APIRouter(prefix="/v1/units", tags=["units"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_json), Depends(refuse_unknown_query)])
UnitCode = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[\w.\-]+$", description="a unit's code")]


class ReplayRequest(RequestBody):
    contract_yaml: str = Field(min_length=1, max_length=20_000, pattern=SOME_TEXT,
                               description="the proposed contract, as YAML (400 naming each problem when it is not "
                                           "a valid contract)")
    days: int = Field(30, gt=0, le=366, description="how many days of requests to replay")


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
def status(tessera: TesseraDep, actor: UnitsActor,
           unit: Annotated[str | None, Query(min_length=1, max_length=40, pattern=r"^[\w.\-]+$")] = None,
           closest_by: Literal[METRICS] = "margin") -> dict:
    def read():
        with tessera.store.session() as s:
            return boundary_status(s, actor, today=tessera.clock().date(), unit=unit, closest_by=closest_by)
    return _call(read)


@router.get("/templates")
def templates(actor: UnitsActor) -> list[dict]:
    return list_templates()


@router.post("/{unit}/contract/replay")
def replay_contract(unit: UnitCode, body: ReplayRequest, tessera: TesseraDep, actor: UnitsActor) -> dict:
    def run():
        with tessera.store.session() as s:
            return replay(s, actor, unit=unit, contract_text=body.contract_yaml, days=body.days, now=tessera.clock())
    return _call(run)
