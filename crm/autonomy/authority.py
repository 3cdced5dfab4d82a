"""Who may decide an escalated request: the approver it was sent to, or someone the unit's contract names
(its `escalate_to` and `deputies`, in the version active now). No role overrides this: a manager of another
unit, or an admin, is not an approver of this unit unless its contract says so."""
from __future__ import annotations

from sqlalchemy.orm import Session

from crm.actor import AccessDenied, NotFound
from crm.autonomy.catalog import active_contract
from crm.autonomy.models import ContractDecision
from crm.models import SalesUnit


def escalation_deciders(session: Session, decision_id: int) -> set[str]:
    """The logins that may decide the escalated contract decision `decision_id`."""
    row = session.get(ContractDecision, decision_id)
    if row is None:
        raise NotFound(f"no contract decision {decision_id}")
    names = {row.escalate_to} if row.escalate_to else set()
    loaded = active_contract(session, row.unit_id)
    if loaded is not None:
        _, contract = loaded
        names |= {contract.escalate_to, *contract.deputies}
    return names


def require_escalation_authority(session: Session, decision_id: int, login: str) -> None:
    """AccessDenied, naming who may decide, unless `login` may decide this escalation."""
    deciders = escalation_deciders(session, decision_id)
    if login not in deciders:
        row = session.get(ContractDecision, decision_id)
        unit = session.get(SalesUnit, row.unit_id)
        raise AccessDenied(f"'{login}' may not decide this escalation of unit {unit.code}: only "
                           f"{', '.join(sorted(deciders)) or 'its named approver'} may, as its contract says")
