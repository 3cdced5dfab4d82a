"""SQLAlchemy 2 entities of the CRM. Columns holding personal data carry `info={"personal": <category>}`."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

Money = Numeric(14, 2)
ROLES = ("rep", "manager", "customer", "prompt_engineer", "admin")
DEAL_STAGES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")
OPEN_STAGES = ("lead", "qualified", "proposal", "negotiation")
ACTIVITY_KINDS = ("call", "meeting", "email", "note")
CASE_KINDS = ("complaint", "service", "question")
CASE_STATUSES = ("open", "in_progress", "resolved", "closed")
CLOSED_CASE_STATUSES = ("resolved", "closed")


def personal(category: str, basis: str | None = None) -> dict:
    """Column info marking personal data: its category and, where held without consent, its legal basis."""
    return {"personal": category, **({"legal_basis": basis} if basis else {})}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class SalesUnit(Base):
    __tablename__ = "sales_units"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(40))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    login: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("sales_units.id"))
    language: Mapped[str] = mapped_column(String(8), default="en")
    contact_id: Mapped[int | None] = mapped_column(  # set for customers
        ForeignKey("contacts.id", use_alter=True, name="fk_users_contact_id"))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # set: the login may no longer act
    unit: Mapped[SalesUnit | None] = relationship()


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_units.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(160), index=True)
    industry: Mapped[str] = mapped_column(String(60))
    region: Mapped[str] = mapped_column(String(40))
    city: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    unit: Mapped[SalesUnit] = relationship()
    owner: Mapped[User] = relationship()


class Contact(Base):
    """A person whose data we hold: every field beyond the keys is personal."""

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(120), info=personal("user.name", "contract"))
    title: Mapped[str] = mapped_column(String(80), info=personal("user.job_title", "contract"))
    email: Mapped[str] = mapped_column(String(160), info=personal("user.contact.email"))
    phone: Mapped[str] = mapped_column(String(40), info=personal("user.contact.phone_number"))
    city: Mapped[str] = mapped_column(String(60), info=personal("user.location"))
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    account: Mapped[Account] = relationship()


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120))
    price: Mapped[Decimal] = mapped_column(Money)
    cost: Mapped[Decimal] = mapped_column(Money)
    stock: Mapped[int] = mapped_column(Integer)
    lead_time_days: Mapped[int] = mapped_column(Integer, default=7)


class Deal(Base):
    __tablename__ = "deals"
    # the closed-deal metrics (won value, win rate, median deal size by unit, rep or region, in a period) and the open
    # pipeline by expected close (pipeline value, slipped deals, the forecast) read only these indexes, not the table
    __table_args__ = (
        Index("ix_deals_stage_closed_on", "stage", "closed_on", "unit_id", "owner_id", "amount"),
        Index("ix_deals_stage_expected_close", "stage", "expected_close", "unit_id", "owner_id", "amount"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_units.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    title: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(20), index=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    amount: Mapped[Decimal] = mapped_column(Money)
    cost: Mapped[Decimal] = mapped_column(Money)
    margin: Mapped[Decimal] = mapped_column(Numeric(6, 4))  # (amount - cost) / amount
    region: Mapped[str] = mapped_column(String(40))
    created_on: Mapped[dt.date] = mapped_column(Date)
    expected_close: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    account: Mapped[Account] = relationship()
    owner: Mapped[User] = relationship()
    product: Mapped[Product] = relationship()


class DealStageChange(Base):
    """One move of a deal between stages: from where (None: it entered the pipeline), to where, when, and by which
    user (None: not known, a change made outside Tessera). Written by every stage change of the domain
    (`crm/services/deal_stages.py`); the forecast calibrates its stage weights on it."""

    __tablename__ = "deal_stage_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    ordered_on: Mapped[dt.date] = mapped_column(Date)
    promised_on: Mapped[dt.date] = mapped_column(Date)


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    due_on: Mapped[dt.date] = mapped_column(Date)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    days_late: Mapped[int] = mapped_column(Integer, default=0)
    defaulted: Mapped[bool] = mapped_column(default=False)


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_deal_id_occurred_at", "deal_id", "occurred_at"),)  # a deal's last touch
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="", info=personal("user.behavior.interaction", "contract"))
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    user: Mapped[User] = relationship()


class Case(Base):
    """A complaint or service ticket, classified from free text."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="open")
    description: Mapped[str] = mapped_column(Text, info=personal("user.behavior.interaction", "contract"))
    classification: Mapped[dict] = mapped_column(JSON, default=dict)  # the reasoning trace of the classifier
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # when it was resolved or closed (None while open or in progress): cases closed in a period and the time to
    # close a case are dated by it. Set whenever the status moves to resolved or closed, cleared when it reopens.
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    @validates("status")
    def _status_dates_the_close(self, _key: str, status: str) -> str:
        """Every path that changes a case's status (a service, undo, a script) keeps `closed_at` true to it: the
        move to resolved or closed dates it when it is not dated yet (a caller with its own clock sets `closed_at`
        after), resolved → closed keeps that moment, and reopening clears it."""
        if status in CLOSED_CASE_STATUSES:
            if self.closed_at is None:
                self.closed_at = utcnow()
        elif status in CASE_STATUSES:
            self.closed_at = None
        return status


class SeedRun(Base):
    """Marks that the demo data was seeded, so seeding twice changes nothing."""

    __tablename__ = "seed_runs"
    __table_args__ = (UniqueConstraint("name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    seed: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
