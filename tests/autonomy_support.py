"""Shared arrangements for the autonomy tests: a seeded store with contracts, acting users, tool calls, and
finding real seeded deals that fit a scenario."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.actor import Actor
from crm.autonomy.catalog import active_contract
from crm.autonomy.facts import RequestFacts, gather_facts
from crm.models import OPEN_STAGES, Deal, SalesUnit, User
from crm.store import Store
from tests.conftest import FIXED_NOW
from tools import (approve_quote, check_discount, clone_contract_template, record_competitor_price, request_discount,
                   unit_status)
from tools.base import ToolContext

TOOLS = {m.TOOL.name: m.TOOL for m in (request_discount, check_discount, approve_quote, unit_status,
                                       clone_contract_template, record_competitor_price)}
TODAY = FIXED_NOW.date()
LATER = TODAY + dt.timedelta(days=120)  # a delivery promise every product can keep


@pytest.fixture
def units_dir(data_dir) -> Path:
    return data_dir  # the seeded template already holds every unit's contract and budgets (seed_everything)


@pytest.fixture
def ustore(units_dir) -> Store:
    s = Store(f"sqlite:///{units_dir / 'tessera.db'}")
    yield s
    s.dispose()


def actor(store: Store, login: str) -> Actor:
    with store.session() as s:
        u = s.scalar(select(User).where(User.login == login))
        return Actor(user_id=u.id, login=u.login, role=u.role, unit_id=u.unit_id, language=u.language)


def call(store: Store, login: str, tool: str, **args) -> dict:
    """A tool call as the graph makes it; an escalation surfaces as NeedsApproval."""
    return TOOLS[tool].invoke(ToolContext(store=store, actor=actor(store, login), clock=lambda: FIXED_NOW), args)


def matching_deals(store: Store, unit: str, percent: float, fits: Callable[[RequestFacts], bool], *,
                   kind: str = "discount", promised_on: dt.date | None = LATER,
                   reason: str | None = "rival offer") -> Iterator[RequestFacts]:
    """The unit's open seeded deals, in id order, whose facts for this request fit the scenario."""
    with store.session() as s:
        unit_id = s.scalar(select(SalesUnit.id).where(SalesUnit.code == unit))
        _, contract = active_contract(s, unit_id)
        deals = s.scalars(select(Deal).where(Deal.unit_id == unit_id, Deal.stage.in_(OPEN_STAGES)).order_by(Deal.id))
        for deal in deals:
            facts = gather_facts(s, contract, deal, kind=kind, percent=percent, reason=reason,
                                 promised_on=promised_on, today=TODAY)
            if fits(facts):
                yield facts


def find_deal(store: Store, unit: str, percent: float, fits: Callable[[RequestFacts], bool], **kw) -> RequestFacts:
    """The first open seeded deal of the unit that fits the scenario."""
    found = next(matching_deals(store, unit, percent, fits, **kw), None)
    assert found is not None, f"the seeded data of {unit} holds no open deal fitting this scenario"
    return found


def clean(f: RequestFacts) -> bool:
    """A customer with no written-off payment and nothing paid more than 30 days late."""
    return f.defaulted_payments == 0 and f.max_days_late <= 30
