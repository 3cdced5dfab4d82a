"""The HTTP API of autonomous units: the boundary dashboard, the template library, contract replays, and the discount
reads a rep asks in chat: what the contract would say to a discount, the decisions already taken, competitor prices.

The caller is the bearer token's owner (staff, with the `units` scope); what they see is scoped by their role."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from channels.auth import UnitsActor
from channels.http_errors import ERROR_RESPONSES, TesseraDep
from channels.http_input import SOME_TEXT, RequestBody, refuse_unknown_query, require_json
from crm.actor import AccessDenied, NotFound
from crm.autonomy.catalog import list_templates
from crm.autonomy.competitors import competitor_prices
from crm.autonomy.dashboard import METRICS, boundary_status
from crm.autonomy.dry_run import check_discount
from crm.autonomy.past_decisions import past_decisions
from crm.autonomy.replay import replay
from pydantic import Field

router = APIRouter(prefix="/v1/units", tags=["units"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_json), Depends(refuse_unknown_query)])
UnitCode = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$", description="a unit's code")]
DealRef = Annotated[str, Query(min_length=1, max_length=120, pattern=SOME_TEXT,
                               description="a deal: its id like D-1042, or words of its title")]
SomeName = Annotated[str | None, Query(min_length=1, max_length=120, pattern=SOME_TEXT)]


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
           unit: Annotated[str | None, Query(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")] = None,
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


@router.get("/discounts/check")
def check(deal: DealRef, tessera: TesseraDep, actor: UnitsActor,
          percent: Annotated[float | None, Query(gt=0, lt=100, description="the discount asked about; leave it out "
                                                                           "for the most the contract allows")] = None,
          promised_on: Annotated[dt.date | None, Query(description="the delivery date promised, YYYY-MM-DD")] = None
          ) -> dict:
    """What the deal's unit contract would answer to a discount, decided now; nothing is requested or booked."""
    return _call(lambda: check_discount(tessera.store, actor, deal=deal, percent=percent, promised_on=promised_on,
                                        now=tessera.clock()))


@router.get("/discounts/decisions")
def decisions(tessera: TesseraDep, actor: UnitsActor, deal: SomeName = None, account: SomeName = None,
              outcome: Literal["accept", "reject", "needs_evidence", "escalated"] | None = None,
              mine: bool = False, kind: Literal["discount", "quote"] = "discount",
              limit: Annotated[int, Query(gt=0, le=100)] = 20) -> dict:
    """Decisions already taken on the deals of the caller's units, newest first."""
    def read():
        with tessera.store.session() as s:
            items, total, about = past_decisions(s, actor, deal=deal, account=account, kind=kind, outcome=outcome,
                                                 mine=mine, limit=limit)
        return {"items": items, "total": total, "about": about}
    return _call(read)


@router.get("/competitor-prices")
def prices(tessera: TesseraDep, actor: UnitsActor, product: SomeName = None, competitor: SomeName = None) -> dict:
    """The competitor prices recorded by the units the caller sees, by product and region."""
    def read():
        with tessera.store.session() as s:
            items, about = competitor_prices(s, actor, product=product, competitor=competitor)
        return {"items": items, "total": len(items), "about": about}
    return _call(read)
