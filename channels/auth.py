"""API access by per-user bearer tokens: issuing (with a lifetime and scopes), revoking, and the FastAPI
dependencies that turn `Authorization: Bearer <token>` into the acting user. The token is the only identity
an HTTP request has: no route reads a user from the query string or the body."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor
from crm.identities import ApiToken
from crm.logins import actor_of
from crm.models import User, utcnow
from tessera.settings import AuthSettings

log = logging.getLogger("tessera.channels.auth")
TOKEN_PREFIX = "tsk_"
bearer = HTTPBearer(auto_error=False, description="a Tessera API token: `tessera tokens issue LOGIN`")

SCOPES = {
    "chat": "chat with Tessera and read the traces of your own turns",
    "privacy": "your own personal data under /v1/me (customers)",
    "units": "autonomy units: boundary dashboard and contract replays (staff)",
    "approvals": "see and decide the requests that wait for you (staff)",
    "admin": "administration (admins only, and only when asked for)",
}
CUSTOMER_SCOPES = ("chat", "privacy")
STAFF_SCOPES = ("chat", "units", "approvals")


def scopes_for_role(role: str) -> tuple[str, ...]:
    """Every scope a user of `role` may hold: a customer never holds a staff scope."""
    if role == "customer":
        return CUSTOMER_SCOPES
    return (*STAFF_SCOPES, "admin") if role == "admin" else STAFF_SCOPES


def default_scopes(role: str) -> tuple[str, ...]:
    """What a token gets when no scope is asked for: all the role may hold except `admin`."""
    return tuple(s for s in scopes_for_role(role) if s != "admin")


TTL_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_ttl(text: str) -> dt.timedelta:
    """'90m', '12h', '30d', '2w' (a bare number is days) as a timedelta; ValueError with the accepted forms."""
    value = text.strip().lower()
    unit = value[-1] if value[-1:] in TTL_UNITS else "d"
    number = value[:-1] if value[-1:] in TTL_UNITS else value
    try:
        amount = float(number)
    except ValueError:
        raise ValueError(f"'{text}' is not a lifetime; write e.g. 90m, 12h, 30d or 2w") from None
    if amount <= 0:
        raise ValueError(f"a token's lifetime must be positive, not '{text}'")
    return dt.timedelta(**{TTL_UNITS[unit]: amount})


def token_hash(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, login: str, *, label: str = "", scopes: list[str] | tuple[str, ...] | None = None,
                ttl: dt.timedelta | None = None, auth: AuthSettings | None = None,
                now: dt.datetime | None = None) -> str:
    """A new token for `login`; it is returned once and only its hash is kept.

    `scopes` default to what the user's role may hold (without `admin`); `ttl` to `auth.token_ttl_days`."""
    auth = auth or AuthSettings()
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise LookupError(f"no Tessera user with login '{login}'")
    actor_of(user)  # a disabled or erased user gets no new token (AccessDenied)
    wanted = tuple(dict.fromkeys(scopes)) if scopes else default_scopes(user.role)
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope '{unknown[0]}'; scopes are {', '.join(SCOPES)}")
    refused = [s for s in wanted if s not in scopes_for_role(user.role)]
    if refused:
        raise AccessDenied(f"a {user.role} may not hold the '{refused[0]}' scope; "
                           f"{login} may hold {', '.join(scopes_for_role(user.role))}")
    ttl = ttl if ttl is not None else dt.timedelta(days=auth.token_ttl_days)
    if ttl <= dt.timedelta(0) or ttl > dt.timedelta(days=auth.max_token_ttl_days):
        raise ValueError(f"a token lives between 1 second and {auth.max_token_ttl_days:g} days "
                         "(TESSERA_AUTH__MAX_TOKEN_TTL_DAYS)")
    now = now or utcnow()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=token_hash(token), label=label[:80], scopes=" ".join(wanted),
                         created_at=now, expires_at=now + ttl))
    session.flush()
    return token


def revoke_tokens(session: Session, login: str) -> int:
    """Revokes every live token of `login`; returns how many."""
    user_id = session.scalar(select(User.id).where(User.login == login))
    if user_id is None:
        raise LookupError(f"no Tessera user with login '{login}'")
    return revoke_tokens_of_user(session, user_id)


def revoke_tokens_of_user(session: Session, user_id: int) -> int:
    """Revokes every live token of the user with id `user_id`; returns how many.

    The erasure of a person calls this for their user (registered as an erasure target by the runtime), and so does
    disabling a user: from then on their tokens answer 401."""
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))).all()
    for row in rows:
        row.revoked_at = utcnow()
    session.flush()
    return len(rows)


def disable_user(session: Session, login: str, *, now: dt.datetime | None = None) -> int:
    """Closes a login: the user may no longer act on any channel, and every token of theirs is revoked."""
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise LookupError(f"no Tessera user with login '{login}'")
    user.disabled_at = user.disabled_at or now or utcnow()
    return revoke_tokens_of_user(session, user.id)


@dataclass(frozen=True)
class Credential:
    """Who a valid token speaks for, and what it may be used for."""

    actor: Actor
    scopes: frozenset[str]
    expires_at: dt.datetime


class TokenRefused(PermissionError):
    """The token does not authenticate anyone; the message says why and what to do."""


def credential_for_token(session: Session, token: str, *, now: dt.datetime | None = None) -> Credential:
    """The credential behind `token`, or TokenRefused (unknown, revoked, expired, or its user disabled or erased)."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None:
        raise TokenRefused("this token is unknown or revoked; issue a new one with `tessera tokens issue LOGIN`")
    if row.expires_at <= (now or utcnow()):
        raise TokenRefused(f"this token expired on {row.expires_at:%Y-%m-%d %H:%M} UTC; issue a new one with "
                           "`tessera tokens issue LOGIN`")
    try:
        actor = actor_of(session.get(User, row.user_id))
    except AccessDenied as exc:
        raise TokenRefused(f"{exc}; its tokens no longer work") from exc
    return Credential(actor=actor, scopes=frozenset(row.scopes.split()), expires_at=row.expires_at)


def actor_for_token(session: Session, token: str, *, now: dt.datetime | None = None) -> Actor | None:
    """The user behind a valid token, or None (unknown, revoked, expired, disabled or erased)."""
    try:
        return credential_for_token(session, token, now=now).actor
    except TokenRefused:
        return None


def admin_check(store) -> Callable[[str], str]:
    """For adapters that cannot depend on the channels (the edge hub): a token -> the admin's login, or
    PermissionError (TokenRefused: 401; a missing admin scope: 403, its message names the scope)."""
    def admin_login(token: str) -> str:
        with store.session() as s:
            credential = credential_for_token(s, token)
        if "admin" not in credential.scopes:
            raise PermissionError(f"this token lacks the 'admin' scope; issue one with `tessera tokens issue "
                                  f"{credential.actor.login} --scope admin`")
        return credential.actor.login

    return admin_login


def current_credential(request: Request,
                       credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Credential:
    """The signed-in user's credential, from `Authorization: Bearer <token>`; 401 with a hint otherwise."""
    if credentials is None:
        raise HTTPException(401, "sign in: send 'Authorization: Bearer <token>' (issue one with "
                                 "`tessera tokens issue LOGIN`)", headers={"WWW-Authenticate": "Bearer"})
    try:
        with request.app.state.tessera.store.session() as s:
            return credential_for_token(s, credentials.credentials)
    except TokenRefused as exc:
        log.warning("refused API request to %s: %s", request.url.path, exc)
        raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc


def current_actor(credential: Annotated[Credential, Depends(current_credential)]) -> Actor:
    return credential.actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def scoped(scope: str) -> Callable[..., Actor]:
    """A dependency giving the token's owner when the token holds `scope`, 403 otherwise."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope '{scope}'")

    def actor_with_scope(request: Request, credential: Annotated[Credential, Depends(current_credential)]) -> Actor:
        if scope not in credential.scopes:
            log.warning("refused %s %s: %s's token lacks the '%s' scope", request.method, request.url.path,
                        credential.actor.login, scope)
            raise HTTPException(403, f"this token may not be used for {SCOPES[scope]}; issue one with "
                                     f"`tessera tokens issue {credential.actor.login} --scope {scope}`")
        return credential.actor

    actor_with_scope.__name__ = f"actor_with_{scope}_scope"
    return actor_with_scope


ChatActor = Annotated[Actor, Depends(scoped("chat"))]
PrivacyActor = Annotated[Actor, Depends(scoped("privacy"))]
UnitsActor = Annotated[Actor, Depends(scoped("units"))]
ApprovalsActor = Annotated[Actor, Depends(scoped("approvals"))]
