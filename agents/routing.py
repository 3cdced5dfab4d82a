"""Which specialists each role may reach; roles are enforced here, not by a prompt."""
from __future__ import annotations

SPECIALISTS = ("sales", "analyst", "privacy")

ROLE_SPECIALISTS: dict[str, tuple[str, ...]] = {
    "rep": ("sales",),
    "customer": ("privacy",),
    "manager": ("analyst", "sales"),
    "admin": ("analyst", "sales", "privacy"),
    "prompt_engineer": ("sales", "analyst"),
}

TRANSFER_PREFIX = "transfer_to_"


def allowed_specialists(role: str) -> tuple[str, ...]:
    if role not in ROLE_SPECIALISTS:
        raise PermissionError(f"role '{role}' may not use the assistant")
    return ROLE_SPECIALISTS[role]
