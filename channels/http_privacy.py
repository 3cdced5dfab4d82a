"""The customer's privacy API under /v1/me: their data, consents, receipts, export, rectification, erasure.

"Me" is the owner of the bearer token (a customer, with the `privacy` scope); nothing in the request names anyone.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from pydantic import Field

from channels.auth import PrivacyActor
from channels.http_errors import ERROR_RESPONSES, ErrorDetail
from channels.http_input import NO_NUL, SOME_TEXT, RequestBody, refuse_unknown_query, require_json
from crm.actor import AccessDenied, Actor, NotFound
from crm.privacy import consents, requests, rights
from crm.privacy.erasure import PlanChanged, scope_from_text
from crm.privacy.rights import FIELD_WORDS
from crm.privacy.taxonomy import default_taxonomy
from crm.services import subjects

router = APIRouter(prefix="/v1/me", tags=["privacy"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_json), Depends(refuse_unknown_query)])
# The taxonomy's own words, as enums in the OpenAPI schema: a client sees every valid value before it sends one.
_TAXONOMY = default_taxonomy()
PersonalCategory = Literal[tuple(sorted(c for c in _TAXONOMY.categories if _TAXONOMY.is_personal(c)))]
Purpose = Literal[tuple(sorted(_TAXONOMY.purposes))]
ReceiptId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9\-]+$")]


class ConsentChange(RequestBody):
    granted: bool


class Rectification(RequestBody):
    field: Literal[tuple(FIELD_WORDS.values())] = Field(description="which of your details to correct")
    value: str = Field(min_length=1, max_length=200, pattern=SOME_TEXT)


class ErasureAsk(RequestBody):
    category: PersonalCategory | None = Field(None, description="a data category, e.g. "
                                              "user.behavior.purchase_history; 'user' is everything")
    what: str | None = Field(None, max_length=200, pattern=NO_NUL,
                             description="or in words: 'my purchase history', '全部数据' (400 with a question when "
                                         "the words name no category)")


class ErasureConfirmation(RequestBody):
    category: PersonalCategory = Field(description="the category of the plan being confirmed")
    plan_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$",
                         description="the plan_id of the plan shown to the person")


def _tessera(request: Request):
    return request.app.state.tessera


def _customer(actor: PrivacyActor) -> Actor:
    """The token's owner, who must be a customer: staff hold no personal data of their own here."""
    try:
        subjects.subject_of(actor)
    except AccessDenied as exc:
        raise HTTPException(403, str(exc)) from exc
    return actor


Customer = Annotated[Actor, Depends(_customer)]


def _now(request: Request) -> dt.datetime:
    return _tessera(request).clock()


def _run(fn):
    try:
        return fn()
    except PlanChanged:
        raise
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except AccessDenied as exc:
        raise HTTPException(403, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc


@router.get("/data")
def my_data(request: Request, actor: Customer) -> dict:
    """Per category: values, where each came from, purposes it may serve, whom it is shared with, expiry."""
    with _tessera(request).store.session() as s:
        return _run(lambda: rights.data_by_category(s, actor.contact_id, _now(request), actor.language,
                                                    actor=subjects.who(actor)))


@router.get("/consents")
def my_consents(request: Request, actor: Customer) -> dict:
    with _tessera(request).store.session() as s:
        return {"consents": consents.current(s, actor.contact_id, _now(request), actor.language),
                "history": [{"category": r.category, "purpose": r.purpose, "granted": r.granted,
                             "recorded_at": r.recorded_at.isoformat(), "channel": r.channel, "receipt": r.receipt_id}
                            for r in consents.history(s, actor.contact_id)]}


@router.put("/consents/{category}/{purpose}")
def change_consent(category: PersonalCategory, purpose: Purpose, body: ConsentChange, request: Request,
                   actor: Customer) -> dict:
    with _tessera(request).store.session() as s:
        return _run(lambda: subjects.change_consent(s, actor, granted=body.granted, category=category, purpose=purpose,
                                                    now=_now(request), channel="api"))


@router.get("/receipts/{receipt_id}")
def receipt(receipt_id: ReceiptId, request: Request, actor: Customer) -> dict:
    """An ISO/IEC TS 27560 consent record (DPV terms) for one of the customer's consent events."""
    with _tessera(request).store.session() as s:
        return _run(lambda: consents.receipt(s, receipt_id, contact_id=actor.contact_id))


@router.get("/export")
def export(request: Request, actor: Customer) -> dict:
    with _tessera(request).store.session() as s:
        return _run(lambda: rights.export(s, actor.contact_id, _now(request), actor=subjects.who(actor), channel="api"))


@router.get("/export.zip", response_class=Response,
            responses={200: {"content": {"application/zip": {}}, "description": "a zip of CSV and JSON files"}})
def export_zip(request: Request, actor: Customer) -> Response:
    with _tessera(request).store.session() as s:
        data = _run(lambda: rights.export(s, actor.contact_id, _now(request), actor=subjects.who(actor), channel="api"))
    return Response(rights.export_zip(data), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="my-data-{actor.contact_id}.zip"'})


@router.post("/rectify")
def rectify(body: Rectification, request: Request, actor: Customer) -> dict:
    with _tessera(request).store.session() as s:
        return _run(lambda: rights.rectify(s, actor.contact_id, body.field, body.value, _now(request),
                                           actor=subjects.who(actor), channel="api"))


@router.post("/erasure/plan")
def erasure_plan(body: ErasureAsk, request: Request, actor: Customer) -> dict:
    """What erasing this category (or what the words name) would change, where and how many, and what is kept
    under which rule. Changes nothing; confirm with `POST /v1/me/erasure` and the returned `plan_id`."""
    def plan() -> dict:
        scope = body.category or scope_from_text(body.what)
        return _tessera(request).eraser.plan(actor.contact_id, scope, lang=actor.language).public()
    return _run(plan)


@router.post("/erasure", responses={409: {"model": ErrorDetail, "description": "your data changed since that plan "
                                                                             "was shown: look at the new plan"}})
def erase(body: ErasureConfirmation, request: Request, actor: Customer) -> dict:
    """Carry out the erasure of a plan the person saw; 409 when the data changed since (show the new plan)."""
    try:
        return _run(lambda: _tessera(request).eraser.erase(actor.contact_id, scope=body.category, now=_now(request),
                                                           by=subjects.who(actor), channel="api",
                                                           plan_id=body.plan_id))
    except PlanChanged as exc:
        raise HTTPException(409, str(exc)) from exc


@router.get("/requests")
def my_requests(request: Request, actor: Customer) -> dict:
    with _tessera(request).store.session() as s:
        return {"requests": [requests.public(r) for r in requests.for_person(s, actor.contact_id)]}
