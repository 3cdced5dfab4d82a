"""Which specialists each role may reach; roles are enforced here, not by a prompt."""
from __future__ import annotations

SPECIALISTS = ("sales", "analyst", "privacy", "prompt_ops")

ROLE_SPECIALISTS: dict[str, tuple[str, ...]] = {
    "rep": ("sales",),
    "customer": ("privacy",),
    "manager": ("analyst", "sales"),
    "admin": ("analyst", "sales", "privacy"),
    # first: what no other specialist serves (prompts, models, evals) reaches the prompt specialist, which serves
    # prompt versions and says plainly what it cannot do
    "prompt_engineer": ("prompt_ops", "sales", "analyst"),
}

TRANSFER_PREFIX = "transfer_to_"


def allowed_specialists(role: str) -> tuple[str, ...]:
    if role not in ROLE_SPECIALISTS:
        raise PermissionError(f"role '{role}' may not use the assistant")
    return ROLE_SPECIALISTS[role]
