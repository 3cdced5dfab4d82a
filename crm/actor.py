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


class AccessDenied(PermissionError):
    """The actor may not see or change this record."""


class NotFound(LookupError):
    """No record matches; the message says what was looked for."""


class Ambiguous(LookupError):
    """Several records match; the message lists them so the caller can choose."""

    def __init__(self, what: str, query: str, candidates: list[str]):
        self.candidates = candidates
        super().__init__(f"'{query}' matches several {what}: {', '.join(candidates[:6])}. Which one?")
