"""Which specialists each role may reach; roles are enforced here, not by a prompt."""
from __future__ import annotations

from tools.base import ToolSpec
from tools.registry import ALL, toolset

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

# Tools a role reaches in a specialist besides the specialist's own: a rep asks the sales specialist for their own
# figures ("how many customer meetings have I had this month", "我今年赢单金额是多少"); the metric layer scopes a rep
# to their unit and "mine" to themselves (crm/metrics/scope.py). Other roles reach query_metrics through the analyst.
# A rep asks how much of their unit's discount budget or margin room is left ("我们组的折扣额度还够吗"): the unit's
# boundary status, which shows a rep their own unit only (crm/autonomy/dashboard.py).
ROLE_EXTRA_TOOLS: dict[str, dict[str, tuple[str, ...]]] = {"rep": {"sales": ("query_metrics", "unit_status")}}


def allowed_specialists(role: str) -> tuple[str, ...]:
    if role not in ROLE_SPECIALISTS:
        raise PermissionError(f"role '{role}' may not use the assistant")
    return ROLE_SPECIALISTS[role]


def role_toolset(agent: str, role: str | None) -> list[ToolSpec]:
    """The tools `agent` offers to a user of `role`: its own, then those the role adds there."""
    own = toolset(agent)
    names = {t.name for t in own}
    extra = (ROLE_EXTRA_TOOLS.get(role or "") or {}).get(agent, ())
    return own + [ALL[name] for name in extra if name not in names]
