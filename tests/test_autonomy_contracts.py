"""Autonomy contracts as data: every industry template validates and clones into a unit as a new version, bad
contracts fail with errors that name the field, and the demo seed gives every unit a contract exactly once."""
from __future__ import annotations

import json
import typing

import pytest
from sqlalchemy import func, select

from crm.autonomy.catalog import active_contract, list_templates, render_template, template_names
from crm.autonomy.contract import ContractError, parse_contract
from crm.autonomy.models import UnitContract
from crm.autonomy.seed import seed_autonomy
from crm.models import SalesUnit
from crm.privacy.models import AuditEntry
from tests.autonomy_support import TOOLS, call, units_dir, ustore  # noqa: F401
from tests.cli_support import run_cli
from tests.conftest import settings_for
from tools.clone_contract_template import Template
from tools.registry import ALL

BASE = {"unit": "east-smb", "regions": ["east"], "escalate_to": "zhao.lei"}


def test_the_library_holds_at_least_twelve_industry_templates_and_each_validates():
    names = template_names()
    assert len(names) >= 12
    assert {"medical-devices", "education", "manufacturing-after-sales", "cross-border-ecommerce",
            "government-tenders", "retail", "insurance-renewals"} <= set(names)
    for name in names:
        contract = render_template(name, BASE)
        assert contract.unit == "east-smb" and contract.template == name
        assert contract.discount.auto_approve_max_percent <= contract.discount.max_percent
    assert set(typing.get_args(Template)) == set(names)  # the tool's choices follow the library


def test_every_template_clones_into_a_unit_as_the_next_active_version(ustore):
    for i, name in enumerate(template_names(), start=2):
        result = call(ustore, "zhao.lei", "clone_contract_template", template=name, unit="east-smb")
        assert result["ok"] and result["record"]["version"] == i, result
    with ustore.session() as s:
        unit = s.scalar(select(SalesUnit.id).where(SalesUnit.code == "east-smb"))
        assert s.scalar(select(func.count()).where(UnitContract.unit_id == unit, UnitContract.active)) == 1
        version, contract = active_contract(s, unit)
        assert (version, contract.template) == (len(template_names()) + 1, template_names()[-1])


def test_parameters_fill_the_template_with_their_types(ustore):
    result = call(ustore, "zhao.lei", "clone_contract_template", template="retail", unit="south-retail",
                  params={"discount_budget": "80000", "margin_floor": "0.21", "regions": "[south, east]"})
    assert result["ok"], result
    with ustore.session() as s:
        _, contract = active_contract(s, s.scalar(select(SalesUnit.id).where(SalesUnit.code == "south-retail")))
    assert float(contract.budgets["discount"].limit) == 80000 and contract.outcome_limits.margin_floor == 0.21
    assert contract.data.regions == ["south", "east"] and contract.escalate_to == "liang.yu"


def test_a_unit_can_be_named_in_its_own_words(ustore):
    result = call(ustore, "zhao.lei", "clone_contract_template", template="education", unit="华东中小企业部")
    assert result["ok"] and result["record"]["unit"] == "east-smb"


@pytest.mark.parametrize("params, words", [
    ({"max_percent": 150}, "discount.max_percent"),
    ({"auto_approve_max_percent": 30, "max_percent": 20}, "auto_approve_max_percent must not exceed max_percent"),
    ({"margin_floor": "high"}, "outcome_limits.margin_floor"),
    ({"colour": "blue"}, "has no parameter colour"),
    ({"escalate_to": None, "unit": None}, None),
])
def test_a_bad_parameter_is_refused_with_the_field_named(params, words):
    if words is None:  # None means "not given": required parameters must be named
        with pytest.raises(ContractError, match="needs the parameter"):
            render_template("education", {"regions": ["east"]})
        return
    with pytest.raises(ContractError, match=words):
        render_template("education", {**BASE, **params})


def test_a_contract_file_with_a_misspelt_section_fails_loudly():
    text = render_template("retail", BASE).to_yaml().replace("exemptions:", "exemptoins:")
    with pytest.raises(ContractError, match="exemptoins: Extra inputs are not permitted"):
        parse_contract(text, "retail.yaml")
    with pytest.raises(ContractError, match="not valid YAML"):
        parse_contract("unit: [east", "broken.yaml")


def test_a_rep_cannot_change_a_contract_even_of_their_own_unit(ustore):
    result = call(ustore, "li.wei", "clone_contract_template", template="retail", unit="east-enterprise")
    assert not result["ok"] and "ask your manager" in result["error"]


def test_the_escalation_target_must_be_a_manager(ustore):
    result = call(ustore, "zhao.lei", "clone_contract_template", template="retail", unit="east-smb",
                  params={"escalate_to": "li.wei"})
    assert not result["ok"] and "escalate_to 'li.wei'" in result["error"]


def test_seeding_autonomy_twice_changes_nothing(ustore):
    with ustore.session() as s:
        assert seed_autonomy(s) == {"contracts": 0, "pools": 0, "competitor_prices": 0}
        units = s.scalars(select(SalesUnit.id)).all()
        assert all(active_contract(s, u) is not None for u in units)


def test_the_cli_lists_templates_and_clones_one(ustore, units_dir):
    listed = run_cli("units", "--json", "templates")
    assert listed.exit_code == 0
    assert len(json.loads(listed.stdout)) == len(list_templates())
    settings = settings_for(units_dir)
    cloned = run_cli("units", "clone", "--unit", "east-smb", "--template", "education",
                     "--param", "discount_budget=70000", "--json", settings=settings)
    assert cloned.exit_code == 0
    assert json.loads(cloned.stdout) == {"unit": "east-smb", "version": 2, "template": "education"}
    with ustore.session() as s:  # the new version is on the audit chain, signed by the command
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
        assert (last.event, last.actor, last.details["version"]) == ("autonomy.contract_version", "admin", 2)
        assert last.signed_head is not None
    refused = run_cli("units", "clone", "--as", "li.wei", "--unit", "east-smb", "--template", "retail",
                      settings=settings)
    assert refused.exit_code == 1
    assert "ask your manager" in refused.stderr


def test_the_example_requests_of_each_autonomy_tool_are_its_own():
    mine = {e for t in TOOLS.values() for e in t.examples}
    others = {e for name, t in ALL.items() if name not in TOOLS for e in t.examples}
    assert all(len(t.examples) >= 8 for t in TOOLS.values())
    assert not mine & others
    assert sum(len(t.examples) for t in TOOLS.values()) == len(mine)  # no example shared between two tools
