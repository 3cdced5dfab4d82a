"""Unit sandboxes: a rep of one unit tries every autonomy tool on another unit and is refused, changing nothing;
sharing an account with another unit is explicit, audited, read-only and revocable."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.autonomy.models import AutonomyAudit, BudgetPool, CompetitorPrice, ContractDecision, UnitContract
from crm.autonomy.sharing import revoke_share, share_account
from crm.models import Deal, SalesUnit
from tests.autonomy_support import (LATER, actor, call, find_deal, units_dir,  # noqa: F401
                                    ustore)
from tests.conftest import FIXED_NOW
from tools.base import ToolContext
from tools.registry import ALL

EAST = "east-enterprise"  # li.wei's unit; wang.fang is a rep of north-industry


def east_state(store) -> tuple:
    """Everything of east-enterprise an autonomy tool could change."""
    with store.session() as s:
        unit = s.scalar(select(SalesUnit.id).where(SalesUnit.code == EAST))
        return (s.scalar(select(func.count()).select_from(ContractDecision)),
                s.scalar(select(func.sum(BudgetPool.used_amount)).where(BudgetPool.unit_id == unit)),
                s.scalar(select(func.sum(Deal.amount)).where(Deal.unit_id == unit)),
                s.scalar(select(func.count()).where(UnitContract.unit_id == unit)),
                tuple(s.execute(select(CompetitorPrice.product_id, CompetitorPrice.price)
                                .where(CompetitorPrice.unit_id == unit).order_by(CompetitorPrice.id)).all()))


def _east_deal(store) -> str:
    return find_deal(store, EAST, 4, lambda f: f.account == "Acme Robotics").deal


CROSS_UNIT = [
    ("request_discount", lambda d: {"deal": d, "percent": 4, "promised_on": LATER.isoformat()}, "deals you can see"),
    ("request_discount", lambda d: {"deal": "Acme Robotics", "percent": 4}, "deals you can see"),
    ("approve_quote", lambda d: {"deal": d}, "deals you can see"),
    ("unit_status", lambda d: {"unit": EAST}, "not yours"),
    ("clone_contract_template", lambda d: {"template": "retail", "unit": EAST}, "may not change"),
    ("clone_contract_template", lambda d: {"template": "retail", "unit": "north-industry"}, "may not change"),
]


@pytest.mark.parametrize("tool, args, words", CROSS_UNIT, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(CROSS_UNIT)])
def test_a_rep_of_another_unit_is_refused_and_changes_nothing(ustore, tool, args, words):
    before = east_state(ustore)
    result = call(ustore, "wang.fang", tool, **args(_east_deal(ustore)))
    assert not result["ok"] and words in result["error"], result
    assert east_state(ustore) == before


def test_a_competitor_price_recorded_by_another_units_rep_stays_in_their_own_table(ustore):
    before = east_state(ustore)
    result = call(ustore, "wang.fang", "record_competitor_price", product="Edge Gateway", price=7000, region="east")
    assert result["ok"] and result["record"]["unit"] == "north-industry"
    assert east_state(ustore) == before


def test_a_customer_can_use_none_of_the_autonomy_tools(ustore):
    before, deal = east_state(ustore), _east_deal(ustore)
    for tool, args, _ in CROSS_UNIT:
        result = call(ustore, "cust.chen.jing", tool, **args(deal))
        assert not result["ok"], (tool, result)
    assert east_state(ustore) == before


def test_a_rep_sees_only_their_own_units_dashboard(ustore):
    result = call(ustore, "wang.fang", "unit_status")
    assert result["ok"] and [u["unit"] for u in result["items"]] == ["north-industry"]


def _find_acme(store, login: str) -> dict:
    return ALL["find_deals"].invoke(ToolContext(store=store, actor=actor(store, login), clock=lambda: FIXED_NOW),
                                    {"account": "Acme Robotics"})


def test_a_shared_account_is_visible_read_only_to_the_other_unit_and_audited(ustore):
    assert not _find_acme(ustore, "wang.fang")["ok"]
    with ustore.session() as s:
        share_account(s, actor(ustore, "li.wei"), account="Acme Robotics", unit="north-industry",
                      reason="joint bid for Acme's Tianjin plant", now=FIXED_NOW)
    seen = _find_acme(ustore, "wang.fang")
    assert seen["ok"] and seen["total"] >= 3
    before = east_state(ustore)
    refused = call(ustore, "wang.fang", "request_discount", deal=seen["items"][0]["deal"], percent=3,
                   promised_on=LATER.isoformat())
    assert not refused["ok"] and "shared account" in refused["error"]
    assert east_state(ustore) == before
    with ustore.session() as s:
        audit = s.scalar(select(AutonomyAudit).where(AutonomyAudit.event == "account_shared"))
        assert (audit.actor, audit.details["with_unit"]) == ("li.wei", "north-industry")
        assert "Tianjin" in audit.details["reason"]
        revoke_share(s, actor(ustore, "li.wei"), account="Acme Robotics", unit="north-industry", now=FIXED_NOW)
    assert not _find_acme(ustore, "wang.fang")["ok"]


def test_only_the_owning_unit_may_share_its_account(ustore):
    with ustore.session() as s, pytest.raises(PermissionError):
        share_account(s, actor(ustore, "wang.fang"), account="Acme Robotics", unit="north-industry",
                      reason="I want to see it", now=FIXED_NOW)
