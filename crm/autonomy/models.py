"""Tables of the autonomy capability: contracts, budget pools, decisions, competitor prices, shared accounts, audit."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.models import Base, Money, utcnow

OUTCOMES = ("accept", "needs_evidence", "reject", "escalated")


class UnitContract(Base):
    """One version of a unit's autonomy contract; exactly one version per unit is active."""

    __tablename__ = "unit_contracts"
    __table_args__ = (UniqueConstraint("unit_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_units.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    template: Mapped[str] = mapped_column(String(60))
    yaml_text: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class BudgetPool(Base):
    """A unit's budget for one pool (discount, marketing) in one period ("2026-11", "2026-Q4", "2026")."""

    __tablename__ = "budget_pools"
    __table_args__ = (UniqueConstraint("unit_id", "pool", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_units.id"), index=True)
    pool: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(16))
    limit_amount: Mapped[Decimal] = mapped_column(Money)
    used_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))


class ContractDecision(Base):
    """What the contract engine (or an approver) decided on one request; `key` makes a request count once."""

    __tablename__ = "contract_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_units.id"), index=True)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    kind: Mapped[str] = mapped_column(String(20))  # discount / quote
    requested_by: Mapped[str] = mapped_column(String(80))
    request: Mapped[dict] = mapped_column(JSON)
    contract_version: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20), index=True)
    rule: Mapped[str | None] = mapped_column(String(80))  # the rule that rejected or escalated
    reasons: Mapped[list] = mapped_column(JSON)
    numbers: Mapped[dict] = mapped_column(JSON)
    missing: Mapped[list] = mapped_column(JSON, default=list)
    booked: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    pool_id: Mapped[int | None] = mapped_column(ForeignKey("budget_pools.id"))
    escalate_to: Mapped[str | None] = mapped_column(String(80))
    approver: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)  # bumped on every change: optimistic concurrency
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class CompetitorPrice(Base):
    """A competitor's unit price for one of our products in a region, as the unit recorded it."""

    __tablename__ = "competitor_prices"
    __table_args__ = (UniqueConstraint("unit_id", "product_id", "region"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_units.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    region: Mapped[str] = mapped_column(String(40))
    price: Mapped[Decimal] = mapped_column(Money)
    competitor: Mapped[str] = mapped_column(String(120), default="")
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SharedAccount(Base):
    """An account made visible to another unit's reps, explicitly and with a reason; revoked by setting revoked_at."""

    __tablename__ = "shared_accounts"
    __table_args__ = (UniqueConstraint("account_id", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_units.id"), index=True)
    granted_by: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AutonomyAudit(Base):
    """An append-only record of changes to autonomy: contracts cloned, accounts shared, escalations resolved."""

    __tablename__ = "autonomy_audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("sales_units.id"), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    event: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
