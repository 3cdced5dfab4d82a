"""The template library and the versioned contracts of each unit: list, render, clone, and read the active one."""
from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor, NotFound
from crm.autonomy.contract import AutonomyContract, ContractError, contract_from, parse_contract
from crm.autonomy import trail
from crm.autonomy.models import UnitContract
from crm.data_files import read_yaml
from crm.models import SalesUnit, User

TEMPLATES = Path(__file__).resolve().parent / "templates"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def _template(name: str) -> dict:
    path = TEMPLATES / f"{name}.yaml"
    if not path.is_file():
        raise NotFound(f"no contract template '{name}'; templates are {', '.join(template_names())}")
    return read_yaml(path)


def template_names() -> list[str]:
    return sorted(p.stem for p in TEMPLATES.glob("*.yaml"))


def list_templates() -> list[dict]:
    """Each template's name, title, description and parameters (None: must be given)."""
    return [{k: _template(n)[k] for k in ("template", "title", "description", "parameters")} for n in template_names()]


def render_template(name: str, params: dict) -> AutonomyContract:
    """The template with its parameters filled in: a whole value "{p}" takes the parameter's type."""
    spec = _template(name)
    unknown = sorted(set(params) - set(spec["parameters"]))
    if unknown:
        raise ContractError(f"template '{name}' has no parameter {', '.join(unknown)}; "
                            f"its parameters are {', '.join(spec['parameters'])}")
    values = {**spec["parameters"], **{k: v for k, v in params.items() if v is not None}}
    missing = sorted(k for k, v in values.items() if v is None)
    if missing:
        raise ContractError(f"template '{name}' needs the parameter(s) {', '.join(missing)}")
    return contract_from(_fill(spec["contract"], values), f"template '{name}'")


def _fill(node, values: dict):
    if isinstance(node, dict):
        return {k: _fill(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill(v, values) for v in node]
    if isinstance(node, str):
        whole = PLACEHOLDER.fullmatch(node)
        if whole:
            return values[whole.group(1)]
        return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), node)
    return node


def unit_by_code(session: Session, code: str) -> SalesUnit:
    """A unit by its code ("east-smb") or, failing that, by words of its name ("华东中小企业部", "East SMB")."""
    text = code.strip()
    unit = session.scalar(select(SalesUnit).where(SalesUnit.code == text.lower()))
    if unit is None and text:
        named = [u for u in session.scalars(select(SalesUnit)) if _mentions(text, u)]
        unit = named[0] if len(named) == 1 else None
    if unit is None:
        codes = ", ".join(session.scalars(select(SalesUnit.code).order_by(SalesUnit.code)))
        raise NotFound(f"no sales unit '{code}'; units are {codes}")
    return unit


def _mentions(text: str, unit: SalesUnit) -> bool:
    """'华南零售部', 'South Retail' or 'the south-retail team' all name the unit 'South Retail / 华南零售部'."""
    lowered = text.lower()
    names = [unit.code, *(part.strip().lower() for part in unit.name.split("/"))]
    return any(len(n) >= 2 and (n in lowered or lowered in n) for n in names)


def default_params(session: Session, unit: SalesUnit) -> dict:
    """The unit's own region, and its region's manager as the person escalations go to."""
    manager = session.scalar(select(User.login).join(SalesUnit, SalesUnit.id == User.unit_id)
                             .where(User.role == "manager", SalesUnit.region == unit.region).order_by(User.login))
    return {"unit": unit.code, "regions": [unit.region], "escalate_to": manager}


def clone_template(session: Session, unit_code: str, template: str, params: dict, actor: Actor) -> dict:
    """Store the rendered template as the unit's new active contract version; only managers change contracts."""
    if actor.role not in ("manager", "admin"):
        raise AccessDenied(f"a {actor.role} may not change a unit's autonomy contract; ask your manager")
    unit = unit_by_code(session, unit_code)
    contract = render_template(template, {**default_params(session, unit), **params})
    return store_contract(session, unit, contract, actor.login)


def store_contract(session: Session, unit: SalesUnit, contract: AutonomyContract, by: str) -> dict:
    if contract.unit != unit.code:
        raise ContractError(f"the contract names unit '{contract.unit}' but is being stored for '{unit.code}'")
    for field, login in [("escalate_to", contract.escalate_to), *(("deputies", d) for d in contract.deputies)]:
        approver = session.scalar(select(User).where(User.login == login))
        if approver is None or approver.role not in ("manager", "admin"):
            raise ContractError(f"{field} '{login}' must be the login of a manager or an admin")
    version = (session.scalar(select(func.max(UnitContract.version)).where(UnitContract.unit_id == unit.id)) or 0) + 1
    session.execute(update(UnitContract).where(UnitContract.unit_id == unit.id).values(active=False))
    session.add(UnitContract(unit_id=unit.id, version=version, template=contract.template,
                             yaml_text=contract.to_yaml(), active=True, created_by=by))
    session.flush()
    trail.record(session, unit_id=unit.id, actor=by, event="contract_version",
                 details={"version": version, "template": contract.template},
                 chained={"version": version, "template": contract.template},
                 summary=f"contract version {version} of {unit.code} from template {contract.template}")
    return {"unit": unit.code, "version": version, "template": contract.template, "contract": contract.model_dump(mode="json")}


def active_contract(session: Session, unit_id: int) -> tuple[int, AutonomyContract] | None:
    """The unit's active contract version and its parsed form, or None when the unit has none."""
    row = session.execute(select(UnitContract.version, UnitContract.yaml_text)
                          .where(UnitContract.unit_id == unit_id, UnitContract.active)).first()
    return None if row is None else (row.version, _parsed(row.yaml_text))


@lru_cache(maxsize=256)
def _parsed(text: str) -> AutonomyContract:
    return parse_contract(text, "stored contract")
