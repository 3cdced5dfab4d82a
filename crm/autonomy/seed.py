"""Autonomy for the demo company: an active contract per unit from a fitting template, budgets and competitor
prices. Safe to call again: a unit that already has a contract, a pool or prices keeps them."""
from __future__ import annotations

import datetime as dt
import zlib
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.autonomy.catalog import default_params, render_template, store_contract
from crm.autonomy.facts import period_key
from crm.autonomy.models import BudgetPool, CompetitorPrice, UnitContract
from crm.models import Deal, Product, SalesUnit
from crm.seed import DEMO_TODAY

UNIT_TEMPLATES = {
    "east-enterprise": "medical-devices",
    "east-smb": "cross-border-ecommerce",
    "north-industry": "manufacturing-after-sales",
    "north-public": "government-tenders",
    "south-retail": "retail",
    "south-tech": "electronics-enterprise",
}
COMPETITORS = ("Salesforce", "纷享销客", "HubSpot", "销售易")
SEEDED_BY = "seed"


def seed_autonomy(session: Session, *, today: dt.date = DEMO_TODAY) -> dict:
    """Give every unit without a contract its template's contract, this period's pools and competitor prices."""
    created = {"contracts": 0, "pools": 0, "competitor_prices": 0}
    for unit in session.scalars(select(SalesUnit).order_by(SalesUnit.code)):
        has_contract = session.scalar(select(func.count()).where(UnitContract.unit_id == unit.id))
        if not has_contract:
            template = UNIT_TEMPLATES.get(unit.code, "smb-general")
            contract = render_template(template, default_params(session, unit))
            store_contract(session, unit, contract, SEEDED_BY)
            created["contracts"] += 1
            for name, rule in contract.budgets.items():
                created["pools"] += _pool(session, unit.id, name, period_key(rule.period, today), rule.limit)
        created["competitor_prices"] += _competitor_prices(session, unit)
    session.flush()
    return created


def _pool(session: Session, unit_id: int, pool: str, period: str, limit: Decimal) -> int:
    exists = session.scalar(select(BudgetPool.id).where(BudgetPool.unit_id == unit_id, BudgetPool.pool == pool,
                                                        BudgetPool.period == period))
    if exists:
        return 0
    session.add(BudgetPool(unit_id=unit_id, pool=pool, period=period, limit_amount=limit, used_amount=Decimal(0)))
    return 1


def _competitor_prices(session: Session, unit: SalesUnit) -> int:
    """Prices for about two thirds of the products the unit sells, 86-94% of our list price, fixed per product."""
    if session.scalar(select(func.count()).where(CompetitorPrice.unit_id == unit.id)):
        return 0
    sold = session.scalars(select(Product).where(Product.id.in_(
        select(Deal.product_id).where(Deal.unit_id == unit.id).distinct())).order_by(Product.sku)).all()
    added = 0
    for product in sold:
        dice = zlib.crc32(f"{unit.code}/{product.sku}".encode())
        if dice % 3 == 0:
            continue  # no price on record: requests that need one must bring the evidence
        factor = Decimal(86 + dice % 9) / 100
        session.add(CompetitorPrice(unit_id=unit.id, product_id=product.id, region=unit.region,
                                    price=(product.price * factor).quantize(Decimal("0.01")),
                                    competitor=COMPETITORS[dice % len(COMPETITORS)], recorded_by=SEEDED_BY,
                                    recorded_at=dt.datetime.combine(DEMO_TODAY, dt.time(8))))
        added += 1
    return added
