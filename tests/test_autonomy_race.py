"""Concurrent requests against one budget on a file store: many threads, never an overspend, and the same request
arriving many times at once books once."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import func, select, update

from crm.autonomy.models import BudgetPool, ContractDecision
from crm.models import Deal, SalesUnit
from tests.autonomy_support import (LATER, call, clean, find_deal, matching_deals,  # noqa: F401
                                    units_dir, ustore)

UNIT = "east-enterprise"
THREADS = 40


def clean_open_deals(store, n: int) -> list[str]:
    deals = [f.deal for f, _ in zip(matching_deals(store, UNIT, 4, clean), range(n))]
    assert len(deals) == n, f"{UNIT} has only {len(deals)} open deals of customers who pay on time"
    return deals


def same_price(store, deals: list[str]) -> None:
    """Arrange: every chosen deal at 100,000 with cost 50,000, so each 4% discount costs exactly 4,000."""
    ids = [int(d.removeprefix("D-")) for d in deals]
    with store.session() as s:
        s.execute(update(Deal).where(Deal.id.in_(ids)).values(amount=Decimal(100000), cost=Decimal(50000),
                                                              margin=Decimal("0.5")))


def discount_pool(store) -> tuple[float, float]:
    with store.session() as s:
        row = s.execute(select(BudgetPool.limit_amount, BudgetPool.used_amount).join(
            SalesUnit, SalesUnit.id == BudgetPool.unit_id).where(SalesUnit.code == UNIT, BudgetPool.pool == "discount")
            .order_by(BudgetPool.id.desc())).first()
        return float(row.limit_amount), float(row.used_amount)


def all_at_once(n: int, fn) -> list:
    start = threading.Barrier(n)

    def go(i):
        start.wait()
        return fn(i)
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(go, range(n)))


def test_forty_concurrent_discounts_on_a_budget_for_ten_book_exactly_ten(ustore):
    deals = clean_open_deals(ustore, THREADS)
    same_price(ustore, deals)
    assert call(ustore, "zhao.lei", "clone_contract_template", template="medical-devices", unit=UNIT,
                params={"discount_budget": "40000"})["ok"]
    results = all_at_once(THREADS, lambda i: call(ustore, "li.wei", "request_discount", deal=deals[i], percent=4,
                                                   promised_on=LATER.isoformat()))
    outcomes = [r.get("outcome") for r in results]
    assert all(r["ok"] for r in results), [r for r in results if not r["ok"]][:2]
    assert outcomes.count("accept") == 10 and outcomes.count("reject") == THREADS - 10
    assert {r["rule"] for r in results if r["outcome"] == "reject"} == {"budgets.discount"}
    limit, used = discount_pool(ustore)
    assert used == 40000 == limit
    with ustore.session() as s:
        booked = s.scalar(select(func.sum(ContractDecision.booked)).where(ContractDecision.outcome == "accept"))
        discounted = s.scalar(select(func.count()).where(Deal.id.in_([int(d[2:]) for d in deals]), Deal.amount < 100000))
    assert float(booked) == used and discounted == 10


def test_the_same_request_arriving_twenty_times_at_once_books_once(ustore):
    facts = find_deal(ustore, UNIT, 4, lambda f: clean(f) and f.new_margin > 0.25)
    results = all_at_once(20, lambda i: call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=4,
                                              promised_on=LATER.isoformat()))
    assert all(r["ok"] and r["outcome"] == "accept" for r in results), results[0]
    assert len({r["decision_id"] for r in results}) == 1
    assert discount_pool(ustore)[1] == round(facts.discount_value, 2)
