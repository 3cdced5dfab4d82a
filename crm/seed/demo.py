"""Seeds the demo company "Tessera Demo Co." in order, part by part: the same data for a given seed, every time."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import (Account, Activity, Case, Contact, Deal, Order, Payment, Product, SalesUnit, SeedRun, Tenant,
                        User)
from crm.seed.accounts import seed_accounts, seed_customers
from crm.seed.organisation import seed_organisation
from crm.seed.sales import seed_deals, seed_products
from crm.seed.service import seed_activities, seed_cases
from crm.seed.world import DemoWorld, demo_vocabulary

DEMO = "demo"
DEMO_SEED = 20261126
DEMO_TODAY = dt.date(2026, 11, 26)  # the demo's "today": fixed, so every run makes the same data
DEMO_STEPS = ("organisation", "products", "accounts", "deals", "customers", "activities", "cases")
COUNTED = (Tenant, SalesUnit, User, Account, Contact, Product, Deal, Order, Payment, Activity, Case)


@dataclass(frozen=True)
class SeedReport:
    """What the store holds after seeding (rows per table), and whether this call created the demo."""

    created: bool
    seed: int
    tenants: int
    sales_units: int
    users: int
    accounts: int
    contacts: int
    products: int
    deals: int
    orders: int
    payments: int
    activities: int
    cases: int


class StoreNotEmpty(RuntimeError):
    """The store already holds CRM data that was not seeded as the demo."""


def seed_demo(session: Session, *, seed: int = DEMO_SEED, today: dt.date | None = None,
              on_step: Callable[[str], None] = lambda step: None) -> SeedReport:
    """Fill an empty store with the demo company, once: when a 'demo' seed run exists, change nothing.
    `on_step` hears the name of each of the DEMO_STEPS as it is done (a progress bar listens)."""
    done = session.scalar(select(SeedRun).where(SeedRun.name == DEMO))
    if done is not None:
        for name in DEMO_STEPS:
            on_step(name)  # nothing left to do
        return _report(session, created=False, seed=done.seed)
    _refuse_unless_empty(session)
    world = DemoWorld(rng=random.Random(seed), today=today or DEMO_TODAY, vocab=demo_vocabulary())
    steps = (seed_organisation, seed_products, seed_accounts, seed_deals, seed_customers, seed_activities, seed_cases)
    for name, step in zip(DEMO_STEPS, steps, strict=True):
        step(session, world)
        on_step(name)
    session.add(SeedRun(name=DEMO, seed=seed, created_at=dt.datetime.combine(world.today, dt.time())))
    session.flush()
    return _report(session, created=True, seed=seed)


def _refuse_unless_empty(session: Session) -> None:
    for entity in (Tenant, User, Account, Deal):
        held = session.scalar(select(func.count()).select_from(entity))
        if held:
            raise StoreNotEmpty(f"the store already holds {held} {entity.__tablename__} but no '{DEMO}' seed run; "
                                "seed_demo fills an empty store, so point it at a fresh database")


def _report(session: Session, *, created: bool, seed: int) -> SeedReport:
    counts = {e.__tablename__: session.scalar(select(func.count()).select_from(e)) for e in COUNTED}
    return SeedReport(created=created, seed=seed, **counts)
