"""Undo over HTTP: take back what the token owner's last request wrote, or one write by the id a reply offered."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from channels.auth import ChatActor
from channels.http_api import GUARDS
from channels.http_errors import ERROR_RESPONSES, TesseraDep, as_http_errors
from crm.services.undo import undo_entry, undo_last


class UndoDone(BaseModel):
    done: str
    restored: list[dict]  # record, field, old → new as undo wrote them
    undo_ids: list[int]


router = APIRouter(prefix="/v1/undo", tags=["undo"], dependencies=GUARDS, responses=ERROR_RESPONSES)
UndoId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("", response_model=UndoDone, responses={409: {"description": "nothing to undo, an irreversible "
                                                                          "write, or the record changed since"}})
def undo_my_last_request(tessera: TesseraDep, actor: ChatActor) -> UndoDone:
    """Restores the old values of everything the caller's latest writing request changed."""
    with as_http_errors(conflict=409), tessera.store.session() as s:
        return UndoDone(**undo_last(s, actor, now=tessera.clock()))


@router.post("/{undo_id}", response_model=UndoDone, responses={409: {"description": "already undone, irreversible, "
                                                                                   "or the record changed since"}})
def undo_one_write(undo_id: UndoId, tessera: TesseraDep, actor: ChatActor) -> UndoDone:
    """Restores one write of the caller's own (403 for another user's)."""
    with as_http_errors(conflict=409), tessera.store.session() as s:
        return UndoDone(**undo_entry(s, actor, undo_id, now=tessera.clock()))
