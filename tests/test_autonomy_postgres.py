"""Autonomy on PostgreSQL: the branch migration, the seed, a decision, and the budget race under real row locks."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.autonomy.models import ContractDecision
from crm.autonomy.seed import seed_autonomy
from crm.seed import seed_demo
from tests.postgres_support import migrated_store, scratch_or_skip
from tests.autonomy_support import LATER, call, clean, find_deal
from tests.test_autonomy_race import THREADS, UNIT, all_at_once, clean_open_deals, discount_pool, same_price


pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store():
    with scratch_or_skip("tessera_units") as url, migrated_store(url, seed_demo, seed_autonomy) as store:
        yield store


def test_forty_concurrent_discounts_on_postgres_book_exactly_what_fits(pg_store):
    facts = find_deal(pg_store, UNIT, 4, lambda f: clean(f) and f.new_margin > 0.25)
    single = call(pg_store, "li.wei", "request_discount", deal=facts.deal, percent=4, promised_on=LATER.isoformat())
    assert single["outcome"] == "accept", single
    deals = [d for d in clean_open_deals(pg_store, THREADS + 1) if d != facts.deal][:THREADS]
    same_price(pg_store, deals)
    assert call(pg_store, "zhao.lei", "clone_contract_template", template="medical-devices", unit=UNIT,
                params={"discount_budget": str(40000 + facts.discount_value)})["ok"]
    results = all_at_once(THREADS, lambda i: call(pg_store, "li.wei", "request_discount", deal=deals[i], percent=4,
                                                   promised_on=LATER.isoformat()))
    assert [r["outcome"] for r in results].count("accept") == 10, [r for r in results if not r["ok"]][:2]
    limit, used = discount_pool(pg_store)
    assert used == pytest.approx(limit)
    with pg_store.session() as s:
        assert s.scalar(select(func.count()).where(ContractDecision.outcome == "accept")) == 11
