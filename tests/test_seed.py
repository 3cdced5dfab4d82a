"""The demo company: who and what it holds, the anchors others rely on, and that seeding is repeatable."""
from __future__ import annotations

import datetime as dt
import hashlib
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select

from crm.models import (OPEN_STAGES, Account, Activity, Base, Case, Contact, Deal, Order, Payment, Product, SalesUnit,
                        SeedRun, Tenant, User)
from crm.seed import DEMO_TODAY, SeedReport, StoreNotEmpty, seed_demo
from crm.store import Store

ANCHOR_ACCOUNTS = {  # name: (unit, owner, industry)
    "Acme Robotics": ("east-enterprise", "li.wei", "manufacturing"),
    "北辰医疗器械": ("east-enterprise", "li.wei", "medical devices"),
    "Globex Logistics": ("north-industry", "wang.fang", None),
    "华润新材料": ("north-industry", "wang.fang", None),
    "Initech Retail": ("south-retail", "james.liu", None),
    "海天电子": ("east-enterprise", "emma.chen", None),
}


def fresh_store(path) -> Store:
    store = Store(f"sqlite:///{path}/t.db")
    Base.metadata.create_all(store.engine)
    return store


def seeded(path, **options) -> tuple[Store, SeedReport]:
    store = fresh_store(path)
    with store.session() as s:
        report = seed_demo(s, **options)
    return store, report


def deal_digest(store: Store) -> str:
    with store.session() as s:
        rows = s.execute(select(Deal.title, Deal.stage, Deal.amount).order_by(Deal.id)).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store, report = seeded(tmp_path_factory.mktemp("demo"))
    yield store, report
    store.dispose()


@pytest.fixture
def session(demo):
    with demo[0].session() as s:
        yield s


def count(session, entity, *where) -> int:
    return session.scalar(select(func.count()).select_from(entity).where(*where))


def user(session, login: str) -> User:
    return session.scalars(select(User).where(User.login == login)).one()


def test_the_demo_company_has_regions_units_and_a_sales_force(demo, session):
    assert demo[1].created
    regions = set(session.scalars(select(SalesUnit.region)))
    assert {"east", "north", "south"} <= regions
    assert count(session, SalesUnit) >= 4
    assert count(session, User, User.role == "rep") >= 30
    assert count(session, User, User.role == "manager") == len(regions)
    assert count(session, User, User.role == "customer") == 10
    assert all(u.unit_id for u in session.scalars(select(User).where(User.role == "rep")))


def test_the_demo_company_has_two_years_of_sales_and_service(demo, session):
    assert count(session, Account) >= 300
    assert len(set(session.scalars(select(Account.name)))) == count(session, Account)
    assert count(session, Contact) >= 500
    assert 15 <= count(session, Product) <= 25
    assert count(session, Deal) >= 2000
    first, last = session.execute(select(func.min(Deal.created_on), func.max(Deal.created_on))).one()
    assert DEMO_TODAY - dt.timedelta(days=730) <= first and last <= DEMO_TODAY
    assert (last - first).days >= 700
    assert set(session.scalars(select(Deal.stage).distinct())) == {"lead", "qualified", "proposal", "negotiation",
                                                                  "won", "lost"}
    assert count(session, Order) == count(session, Deal, Deal.stage == "won")
    assert count(session, Payment, Payment.days_late > 0) > 0
    assert count(session, Payment, Payment.defaulted.is_(True)) > 0
    assert count(session, Activity) >= 3000
    assert count(session, Case) >= 150
    assert demo[1].deals == count(session, Deal) and demo[1].cases == count(session, Case)


def test_closed_deals_have_a_close_date_and_open_ones_do_not(session):
    for deal in session.scalars(select(Deal)):
        assert (deal.closed_on is None) == (deal.stage in OPEN_STAGES), deal.title
        assert deal.expected_close > deal.created_on, deal.title
        assert deal.closed_on is None or deal.created_on <= deal.closed_on <= DEMO_TODAY, deal.title


def test_product_costs_are_55_to_80_percent_of_price(session):
    for product in session.scalars(select(Product)):
        assert Decimal("0.55") <= product.cost / product.price <= Decimal("0.80"), product.sku


@pytest.mark.parametrize("login, name, unit", [
    ("li.wei", "李伟", "east-enterprise"), ("emma.chen", "Emma Chen", "east-enterprise"),
    ("wang.fang", "王芳", "north-industry"), ("james.liu", "James Liu", "south-retail")])
def test_anchor_reps_sit_in_their_units(session, login, name, unit):
    rep = user(session, login)
    assert (rep.role, rep.display_name, rep.unit.code) == ("rep", name, unit)
    assert rep.language == ("zh" if login in ("li.wei", "wang.fang") else "en")


def test_anchor_staff_have_their_roles(session):
    assert (user(session, "zhao.lei").role, user(session, "zhao.lei").display_name) == ("manager", "赵磊")
    assert user(session, "admin").role == "admin"
    assert user(session, "pe.sun").role == "prompt_engineer"


@pytest.mark.parametrize("login, contact, account", [
    ("cust.chen.jing", "陈静", "北辰医疗器械"), ("cust.mark.taylor", "Mark Taylor", "Acme Robotics")])
def test_anchor_customers_log_in_as_their_contact(session, login, contact, account):
    customer = user(session, login)
    person = session.get(Contact, customer.contact_id)
    assert customer.role == "customer" and customer.unit_id is None
    assert (person.full_name, person.account.name) == (contact, account)


@pytest.mark.parametrize("name", ANCHOR_ACCOUNTS)
def test_anchor_accounts_have_their_owner_unit_and_a_live_deal(session, name):
    unit, owner, industry = ANCHOR_ACCOUNTS[name]
    account = session.scalars(select(Account).where(Account.name == name)).one()
    assert (account.unit.code, account.owner.login) == (unit, owner)
    assert industry is None or account.industry == industry
    assert account.region == account.unit.region
    assert 1 <= count(session, Contact, Contact.account_id == account.id) <= 3
    stages = list(session.scalars(select(Deal.stage).where(Deal.account_id == account.id)))
    assert 3 <= len(stages) <= 8
    assert {"negotiation", "proposal"} & set(stages) and {"won", "lost"} & set(stages)


def test_every_deal_has_a_consistent_margin_and_an_owner_from_its_unit(session):
    owner_unit = dict(session.execute(select(User.id, User.unit_id)).all())
    account_unit = dict(session.execute(select(Account.id, Account.unit_id)).all())
    for deal in session.scalars(select(Deal)):
        expected = ((deal.amount - deal.cost) / deal.amount).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        assert deal.margin == expected, deal.title
        assert owner_unit[deal.owner_id] == deal.unit_id == account_unit[deal.account_id], deal.title


def test_seeding_again_changes_nothing(demo, session):
    before = demo[1]
    again = seed_demo(session)
    assert not again.created
    assert {**vars(again), "created": True} == vars(before)
    assert count(session, SeedRun) == 1


def test_the_same_seed_gives_the_same_deals_and_another_seed_does_not(demo, tmp_path):
    twin, _ = seeded(tmp_path / "twin")
    other, report = seeded(tmp_path / "other", seed=7)
    try:
        assert deal_digest(twin) == deal_digest(demo[0])
        assert deal_digest(other) != deal_digest(demo[0])
        assert report.seed == 7
    finally:
        twin.dispose()
        other.dispose()


def test_a_store_holding_other_data_is_not_seeded(tmp_path):
    store = fresh_store(tmp_path)
    with store.session() as s:
        s.add(Tenant(name="Someone Else Ltd."))
    with store.session() as s, pytest.raises(StoreNotEmpty, match="fresh database"):
        seed_demo(s)
    store.dispose()
