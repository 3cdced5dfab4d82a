"""API access by per-user bearer tokens: issuing and revoking them, and the `CurrentActor` FastAPI dependency."""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from channels.identities import actor_of
from crm.actor import Actor
from crm.identities import ApiToken
from crm.models import User, utcnow

log = logging.getLogger("tessera.channels.auth")
TOKEN_PREFIX = "tsk_"
bearer = HTTPBearer(auto_error=False, description="a Tessera API token: `tessera tokens issue LOGIN`")


def token_hash(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, login: str, *, label: str = "") -> str:
    """A new token for `login`; it is returned once and only its hash is kept."""
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise LookupError(f"no Tessera user with login '{login}'")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=token_hash(token), label=label[:80]))
    session.flush()
    return token


def revoke_tokens(session: Session, login: str) -> int:
    """Revokes every live token of `login`; returns how many."""
    rows = session.scalars(select(ApiToken).join(User, User.id == ApiToken.user_id)
                           .where(User.login == login, ApiToken.revoked_at.is_(None))).all()
    for row in rows:
        row.revoked_at = utcnow()
    return len(rows)


def actor_for_token(session: Session, token: str) -> Actor | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token),
                                                ApiToken.revoked_at.is_(None)))
    if row is None:
        return None
    return actor_of(session.get(User, row.user_id))


def current_actor(request: Request,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Actor:
    """The signed-in user, from `Authorization: Bearer <token>`; 401 with a hint otherwise."""
    if credentials is None:
        raise HTTPException(401, "sign in: send 'Authorization: Bearer <token>' (issue one with "
                                 "`tessera tokens issue LOGIN`)", headers={"WWW-Authenticate": "Bearer"})
    with request.app.state.tessera.store.session() as s:
        actor = actor_for_token(s, credentials.credentials)
    if actor is None:
        log.warning("refused API request to %s: unknown or revoked token", request.url.path)
        raise HTTPException(401, "this token is unknown or revoked; issue a new one with `tessera tokens issue LOGIN`",
                            headers={"WWW-Authenticate": "Bearer"})
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


async def caller_is_user(request: Request, actor: CurrentActor) -> Actor:
    """For routes that name the user in a `user` query parameter or JSON field: the token's owner must be that user.

    Mount it on a router to make its `user` parameter trustworthy:
    `app.include_router(router, dependencies=[Depends(caller_is_user)])`.
    """
    named = request.query_params.get("user")
    if named is None and request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = json.loads(await request.body() or b"{}")  # Starlette caches the body for the route
        except json.JSONDecodeError:
            body = {}
        named = body.get("user") if isinstance(body, dict) else None
    if named is not None and named != actor.login:
        log.warning("refused %s %s: %s tried to act as %s", request.method, request.url.path, actor.login, named)
        raise HTTPException(403, f"you are signed in as '{actor.login}' and may act only as yourself, not '{named}'")
    return actor


CallerIsUser = Annotated[Actor, Depends(caller_is_user)]
