"""Whether a login may still act: disabled and erased users are refused everywhere, whatever credential they hold."""
from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor, NotFound
from crm.models import User

ERASED_LOGIN_PREFIX = "erased-"  # erasure renames a customer's login to erased-<id>


def closed_because(user: User) -> str | None:
    """Why `user` may not act any more, or None when they may."""
    if user.login.startswith(ERASED_LOGIN_PREFIX):
        return "this account was erased at its owner's request"
    if user.disabled_at is not None:
        return f"the account '{user.login}' was disabled on {user.disabled_at:%Y-%m-%d}"
    return None


def actor_of(user: User) -> Actor:
    """The Actor of an active user; AccessDenied for a disabled or erased one."""
    reason = closed_because(user)
    if reason is not None:
        raise AccessDenied(reason)
    return Actor(user_id=user.id, login=user.login, role=user.role, unit_id=user.unit_id,
                 contact_id=user.contact_id, language=user.language)


def active_actor(session: Session, login: str) -> Actor:
    """The Actor behind `login`: NotFound for no such user, AccessDenied for a closed account."""
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise NotFound(f"no Tessera user with login '{login}'")
    return actor_of(user)


class ActiveActors:
    """The Actor of each login, kept while the users table's counter (crm/data_versions.py) stands still: any write
    to any user row (disabled, erased, renamed, moved to another unit), by any process, moves it, and the next turn
    reads its user again. Only active users are kept; a refusal is read afresh every time."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[int, Actor]] = {}
        self._lock = threading.Lock()

    def known(self, login: str, users_version: int) -> Actor | None:
        """The Actor kept for `login` if no user row has changed since (None: read it with `get`)."""
        known = self._known.get(login)
        return known[1] if known is not None and known[0] == users_version else None

    def get(self, session: Session, login: str, users_version: int) -> Actor:
        """`users_version`: the users counter, read in `session` before this call."""
        known = self.known(login, users_version)
        if known is not None:
            return known
        actor = active_actor(session, login)
        with self._lock:
            self._known[login] = (users_version, actor)
        return actor
