"""Serves the static pages and tells a signed-in browser who it is (`GET /v1/whoami`)."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from channels.auth import CurrentActor
from channels.http_errors import AUTH_ERRORS
from channels.http_input import refuse_unknown_query
from channels.web.pages import PAGES, render

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {p.name for p in STATIC.iterdir() if p.suffix in (".js", ".css", ".svg")}
VEGA = "vega.js"  # Vega, Vega-Lite and vega-embed from vl-convert's bundle: charts draw offline
# The pages load only their own scripts and styles and talk only to this origin.
SECURITY_HEADERS = {"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
                    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "Cache-Control": "no-cache"}

router = APIRouter(tags=["web"])


class Me(BaseModel):
    login: str
    role: str
    language: str


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/web/chat")


@router.get("/web/{page}", include_in_schema=False)
def page(page: str) -> HTMLResponse:
    if page not in PAGES:
        raise HTTPException(404, f"no page '{page}'; try /web/chat or /web/privacy")
    return HTMLResponse(render(page), headers=SECURITY_HEADERS)


@router.get("/web/static/{name}", include_in_schema=False)
def asset(name: str) -> Response:
    if name == VEGA:
        from channels.charts import vega_bundle

        return Response(vega_bundle(), media_type="text/javascript", headers=SECURITY_HEADERS)
    if name not in ASSETS:  # a fixed list: no path ever reaches the file system from the URL
        raise HTTPException(404, f"no file '{name}'")
    return FileResponse(STATIC / name, headers=SECURITY_HEADERS)


@router.get("/v1/whoami", response_model=Me, tags=["auth"], responses=AUTH_ERRORS,
            dependencies=[Depends(refuse_unknown_query)])
def whoami(actor: CurrentActor) -> Me:
    """The user behind the bearer token: the pages call it to sign in."""
    return Me(login=actor.login, role=actor.role, language=actor.language)
