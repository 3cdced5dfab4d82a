"""The facts a contract decision rests on, read from the store: margin, payments, competitor price, supply, budget."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel
from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from crm.autonomy.contract import AutonomyContract
from crm.autonomy.models import BudgetPool, CompetitorPrice
from crm.models import Deal, Order, Payment

CENT = Decimal("0.01")
_HISTORY = (select(func.count(func.distinct(Order.id)), func.count(Payment.id),
                   func.sum(case((Payment.days_late > 0, 1), else_=0)), func.max(Payment.days_late),
                   func.sum(case((Payment.defaulted, 1), else_=0)))
            .select_from(Order).outerjoin(Payment, Payment.order_id == Order.id)
            .where(Order.account_id == bindparam("account")))  # built once: one query per request


class RequestFacts(BaseModel):
    """Everything the engine reads, as plain numbers; stored with each decision so it can be replayed."""

    kind: str  # discount / quote
    deal: str
    unit: str
    account: str
    region: str
    product: str
    quantity: int
    list_amount: float
    amount: float
    cost: float
    percent: float
    new_amount: float
    discount_value: float
    new_margin: float
    list_discount_percent: float
    unit_price_after: float
    new_customer: bool
    payments: int
    late_payments: int
    max_days_late: int
    defaulted_payments: int
    competitor_price: float | None
    lead_time_days: int
    stock: int
    earliest_delivery: dt.date
    promised_on: dt.date | None
    budget_period: str
    budget_limit: float
    budget_used: float
    budget_left: float
    cycle_days: int
    reason: str | None
    today: dt.date

    @property
    def acquisition_cost(self) -> float:
        """What winning a new customer costs us through this concession (nothing for an existing customer)."""
        return self.discount_value if self.new_customer else 0.0


def period_key(period: str, day: dt.date) -> str:
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def gather_facts(session: Session, contract: AutonomyContract, deal: Deal, *, kind: str, percent: float,
                 reason: str | None, promised_on: dt.date | None, today: dt.date) -> RequestFacts:
    amount, cost, product = Decimal(deal.amount), Decimal(deal.cost), deal.product
    new_amount = (amount * (Decimal(1) - Decimal(str(percent)) / 100)).quantize(CENT, ROUND_HALF_UP)
    list_amount = (product.price * deal.quantity).quantize(CENT)
    history = _payment_history(session, deal.account_id)
    pool = _pool(session, deal.unit_id, contract, today)
    short = product.stock < deal.quantity  # a shortfall waits for one more replenishment cycle
    return RequestFacts(
        kind=kind, deal=f"D-{deal.id}", unit=contract.unit, account=deal.account.name, region=deal.region,
        product=product.sku, quantity=deal.quantity, list_amount=float(list_amount), amount=float(amount),
        cost=float(cost), percent=percent, new_amount=float(new_amount), discount_value=float(amount - new_amount),
        new_margin=float((new_amount - cost) / new_amount) if new_amount else -1.0,
        list_discount_percent=round(float(1 - new_amount / list_amount) * 100, 2) if list_amount else 0.0,
        unit_price_after=round(float(new_amount / deal.quantity), 2), new_customer=history["orders"] == 0,
        payments=history["payments"], late_payments=history["late"], max_days_late=history["max_late"],
        defaulted_payments=history["defaulted"], competitor_price=_competitor_price(session, deal),
        lead_time_days=product.lead_time_days, stock=product.stock,
        earliest_delivery=today + dt.timedelta(days=product.lead_time_days * (2 if short else 1)),
        promised_on=promised_on, budget_period=pool["period"], budget_limit=pool["limit"], budget_used=pool["used"],
        budget_left=round(pool["limit"] - pool["used"], 2), cycle_days=(today - deal.created_on).days,
        reason=(reason or "").strip() or None, today=today)


def _payment_history(session: Session, account_id: int) -> dict:
    row = session.execute(_HISTORY, {"account": account_id}).one()
    return {"orders": row[0], "payments": row[1], "late": row[2] or 0, "max_late": row[3] or 0, "defaulted": row[4] or 0}


def _competitor_price(session: Session, deal: Deal) -> float | None:
    price = session.scalar(select(func.min(CompetitorPrice.price)).where(
        CompetitorPrice.unit_id == deal.unit_id, CompetitorPrice.product_id == deal.product_id,
        CompetitorPrice.region == deal.region))
    return None if price is None else float(price)


def _pool(session: Session, unit_id: int, contract: AutonomyContract, today: dt.date) -> dict:
    rule = contract.budgets["discount"]
    period = period_key(rule.period, today)
    row = session.execute(select(BudgetPool.limit_amount, BudgetPool.used_amount).where(
        BudgetPool.unit_id == unit_id, BudgetPool.pool == "discount", BudgetPool.period == period)).first()
    used = float(row.used_amount) if row else 0.0
    return {"period": period, "limit": float(rule.limit), "used": used}
