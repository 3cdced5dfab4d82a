"""The demo company's organisation: the tenant, its sales units, the reps of each unit, a manager per region, the
admin and the prompt engineers."""
from __future__ import annotations

from sqlalchemy.orm import Session

from crm.models import SalesUnit, Tenant, User
from crm.seed.world import DemoWorld, insert_rows, language_of


def seed_organisation(session: Session, world: DemoWorld) -> None:
    """The tenant, its sales units, the reps of each unit, a manager per region, the admin and prompt engineers."""
    vocab = world.vocab
    world.tenant_id = insert_rows(session, Tenant, [{"name": vocab["tenant"]}])[0]["id"]
    units = [{"tenant_id": world.tenant_id, "code": u["code"], "name": u["name"], "region": u["region"],
              "_focus": u["focus"]} for u in vocab["units"]]
    world.units = {u["code"]: u for u in insert_rows(session, SalesUnit, units)}
    staff = [_user(world, login, name, "rep", unit["code"])
             for unit in vocab["units"] for login, name in unit["reps"].items()]
    for code, region in vocab["regions"].items():
        first_unit = next(u["code"] for u in vocab["units"] if u["region"] == code)
        staff += [_user(world, login, name, "manager", first_unit) for login, name in region["manager"].items()]
    staff += [_user(world, m["login"], m["name"], m["role"], None) for m in vocab["staff"]]
    world.add_users(insert_rows(session, User, staff))


def _user(world: DemoWorld, login: str, name: str, role: str, unit_code: str | None) -> dict:
    return {"tenant_id": world.tenant_id, "login": login, "display_name": name, "role": role,
            "unit_id": world.units[unit_code]["id"] if unit_code else None, "language": language_of(name),
            "contact_id": None, "_unit": unit_code}
