"""The rep's day over HTTP, for the web chat and the printable page: the meeting prep card and the daily brief of
the token's owner (chat scope). Both read only."""
from __future__ import annotations

from typing import Annotated

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, Depends, HTTPException, Path

from channels.auth import ChatActor
from channels.http_errors import ERROR_RESPONSES, ErrorDetail, TesseraDep, as_http_errors
from channels.http_input import refuse_unknown_query
from crm.actor import Ambiguous
from crm.briefing.daily import daily_brief
from crm.briefing.prep import prep_card

router = APIRouter(prefix="/v1/rep", tags=["rep's day"], dependencies=[Depends(refuse_unknown_query)],
                   responses={**ERROR_RESPONSES, 409: {"model": ErrorDetail, "description": "the name matches several "
                                                       "accounts; the detail lists them"}})


@contextmanager
def answered() -> Iterator[None]:
    """The domain's errors as HTTP answers; a name matching several accounts is a 409 listing them."""
    try:
        with as_http_errors():
            yield
    except Ambiguous as exc:
        raise HTTPException(409, str(exc)) from exc


AccountName = Annotated[str, Path(min_length=1, max_length=160, pattern=r"^[^\x00-\x1f/\\]+$")]


@router.get("/prep/{account}")
def meeting_prep(account: AccountName, tessera: TesseraDep, actor: ChatActor) -> dict:
    """The prep card for an account the caller can see: contacts and what consent allows, open deals with scores and
    risks, last interactions, open cases, late payments, competitors, three talking points."""
    now = tessera.clock()
    with answered(), tessera.store.session() as s:
        scorer = lambda ids: tessera.deal_scores.scores(s, ids, now.date(), lang=actor.language)  # noqa: E731
        return prep_card(s, actor, account=account, now=now, scorer=scorer, lang=actor.language)


@router.get("/brief")
def my_daily_brief(tessera: TesseraDep, actor: ChatActor) -> dict:
    """The caller's day, ranked: overdue tasks, slipping and quiet deals, likely wins, cases waiting, consents."""
    now = tessera.clock()
    with answered(), tessera.store.session() as s:
        scorer = lambda ids: tessera.deal_scores.scores(s, ids, now.date(), lang=actor.language,  # noqa: E731
                                                        explain=False)
        return daily_brief(s, actor, now=now, scorer=scorer, lang=actor.language)
