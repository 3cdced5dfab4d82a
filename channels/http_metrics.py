"""GET /metrics: the Prometheus exposition (tessera/observability.py), for the operator's scraper only.

Who may read it: with TESSERA_OBSERVABILITY__METRICS_TOKEN set, a caller presenting it as a bearer token, from
anywhere, and no one else; without a token, only a caller on this machine (a loopback address, with no proxy
header saying the request came from further away). The numbers name no person, but they show how the business
runs (turns, escalations, refusals), so they are not public."""
from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, HTTPException, Request, Response

from channels.http_errors import TesseraDep
from tessera.observability import metrics_text

router = APIRouter(tags=["ops"])
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, tessera: TesseraDep) -> Response:
    token = tessera.settings.observability.metrics_token
    if token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise HTTPException(401, "metrics need the operator's token: 'Authorization: Bearer <token>' with the "
                                     "value of TESSERA_OBSERVABILITY__METRICS_TOKEN",
                                headers={"WWW-Authenticate": "Bearer"})
    elif not _from_this_machine(request):
        raise HTTPException(403, "metrics are served to this machine only; to scrape from elsewhere set "
                                 "TESSERA_OBSERVABILITY__METRICS_TOKEN and send it as a bearer token")
    body, content_type = metrics_text()
    return Response(body, media_type=content_type)


def _from_this_machine(request: Request) -> bool:
    if any(h in request.headers for h in PROXY_HEADERS):
        return False  # a local reverse proxy relays callers from anywhere
    try:
        return request.client is not None and ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:  # not an address (a test client's name)
        return False
