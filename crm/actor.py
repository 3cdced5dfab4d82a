"""Who is acting: every service call names the acting user, whose role and unit scope what it may see."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int
    login: str
    role: str
    unit_id: int | None = None
    contact_id: int | None = None  # customers: the person they are
    language: str = "en"

    @property
    def sees_all_units(self) -> bool:
        return self.role in ("manager", "admin")


class Explained:
    """An expected failure: its English message for people and models, and a `kind` with `details` from which a
    reply in another language is written (llm/offline/replies.yaml `errors:`), never by rewording the message."""

    def __init__(self, message: str = "", *, kind: str | None = None, **details):
        super().__init__(message)
        self.kind = kind
        self.details = details


class AccessDenied(Explained, PermissionError):
    """The actor may not see or change this record."""


class NotFound(Explained, LookupError):
    """No record matches; the message says what was looked for."""


class Invalid(Explained, ValueError):
    """The request is incomplete or impossible as asked; the message says what to give instead."""


class CannotAnswer(Invalid):
    """Nothing in the store answers the question ("our NPS", "why we lose deals"): an answer of its own, saying so in
    the asker's language (the message is already worded in it), not a request that failed."""

    KIND = "cannot_answer"

    def __init__(self, message: str):
        super().__init__(message, kind=self.KIND)


_ONE = {"accounts": "account", "deals": "deal", "people": "user", "products": "product", "contacts": "contact",
        "tasks": "task"}


class Ambiguous(LookupError):
    """Several records match; the message lists them so the caller can choose."""

    def __init__(self, what: str, query: str, candidates: list[str]):
        self.candidates = candidates
        self.kind, self.details = "ambiguous", {"what": _ONE.get(what, what), "name": query}
        super().__init__(f"'{query}' matches several {what}: {', '.join(candidates[:6])}. Which one?")
