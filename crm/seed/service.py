"""Demo after-sales life: the calls, meetings, e-mails and notes reps log, and the cases customers raise."""
from __future__ import annotations

import datetime as dt
import math
import random

from sqlalchemy.orm import Session

from crm.models import ACTIVITY_KINDS, CASE_STATUSES, CLOSED_CASE_STATUSES, Activity, Case
from crm.seed.sales import HISTORY_DAYS
from crm.seed.world import DemoWorld, insert_rows

ACTIVITIES = 3000
CASES = 150
DEAL_SHARE = 0.8  # activities about a deal; the rest are about the account as a whole
CONTACT_SHARE = 0.85  # activities with a named contact
KIND_WEIGHTS = (35, 20, 30, 15)  # call, meeting, email, note
PRIORITIES = ("low", "normal", "high", "urgent")
# typical hours from opening a case to closing it, by priority (the median of a log-normal spread)
HOURS_TO_CLOSE = {"urgent": 12, "high": 36, "normal": 96, "low": 200}


def seed_activities(session: Session, world: DemoWorld) -> None:
    """Activities in the rep's language: during a deal's life, or about the account at any time in two years."""
    rng, vocab = world.rng, world.vocab
    accounts = {a["id"]: a for a in world.accounts}
    rows = []
    for _ in range(ACTIVITIES):
        if rng.random() < DEAL_SHARE:
            deal = rng.choice(world.deals)
            account, user_id, product = accounts[deal["account_id"]], deal["owner_id"], deal["_product"]
            day = world.day_within(deal["created_on"], deal["closed_on"] or world.today)
        else:
            deal, account = None, rng.choice(world.accounts)
            user_id, product = account["owner_id"], rng.choice(world.products)
            day = world.day_within(world.today - dt.timedelta(days=HISTORY_DAYS), world.today)
        contact = rng.choice(world.contacts[account["id"]]) if rng.random() < CONTACT_SHARE else None
        kind = rng.choices(ACTIVITY_KINDS, weights=KIND_WEIGHTS)[0]
        language = world.languages[user_id]
        words = {"product": product["name_zh" if language == "zh" else "name"], "account": account["name"],
                 "contact": contact["full_name"] if contact else account["name"]}
        rows.append({"account_id": account["id"], "deal_id": deal["id"] if deal else None,
                     "contact_id": contact["id"] if contact else None, "user_id": user_id, "kind": kind,
                     "subject": rng.choice(vocab["activity_subjects"][kind][language]).format(**words),
                     "body": rng.choice(vocab["activity_bodies"][language]).format(**words),
                     "occurred_at": world.moment(day)})
    rows.sort(key=lambda r: r["occurred_at"])
    insert_rows(session, Activity, rows)


def seed_cases(session: Session, world: DemoWorld) -> None:
    """One case from every customer about their own order, then cases about other orders, raised by the
    customer when the account has one and otherwise logged by the account owner."""
    rng = world.rng
    accounts = {a["id"]: a for a in world.accounts}
    orders_of: dict[int, list[dict]] = {}
    for order in world.orders:
        orders_of.setdefault(order["account_id"], []).append(order)
    rows = [_case(world, rng.choice(orders_of[account_id]), user_id, contact)
            for account_id, people in world.customers.items() for user_id, contact in people]
    buyers = sorted(orders_of)
    while len(rows) < CASES:
        account = accounts[rng.choice(buyers)]
        people = world.customers.get(account["id"])
        if people and rng.random() < 0.5:
            opened_by, contact = rng.choice(people)
        else:
            opened_by, contact = account["owner_id"], rng.choice(world.contacts[account["id"]])
        rows.append(_case(world, rng.choice(orders_of[account["id"]]), opened_by, contact))
    rows.sort(key=lambda r: r["created_at"])
    for row in rows:
        row["closed_at"] = _closed_at(row, world.today) if row["status"] in CLOSED_CASE_STATUSES else None
    insert_rows(session, Case, rows)


def _closed_at(case: dict, today: dt.date) -> dt.datetime:
    """When a resolved or closed case was closed: after its opening by a time typical of its priority, at the latest
    early on the demo's day. Drawn from the case's own seed, so the rest of the demo stays as it was."""
    rng = random.Random(f"case-close:{case['created_at'].isoformat()}:{case['account_id']}:{case['contact_id']}")
    hours = HOURS_TO_CLOSE[case["priority"]] * math.exp(rng.gauss(0, 0.7))
    latest = dt.datetime.combine(today, dt.time(8))
    return min(case["created_at"] + dt.timedelta(hours=max(1.0, hours)), latest).replace(second=0, microsecond=0)


def _case(world: DemoWorld, order: dict, opened_by: int, contact: dict) -> dict:
    rng, product_kind = world.rng, order["_product"]["_kind"]
    cases = {name: c for name, c in world.vocab["cases"].items() if product_kind in c.get("products", [product_kind])}
    category = rng.choices(list(cases), weights=[c["weight"] for c in cases.values()])[0]
    kind, language = cases[category]["kind"], contact["language"]
    product = order["_product"]["name_zh" if language == "zh" else "name"]
    description = rng.choice(cases[category][language]).format(product=product, order=order["id"],
                                                                n=rng.randint(2, 12))
    day = world.day_within(min(world.today, order["ordered_on"] + dt.timedelta(days=3)), world.today)
    age = (world.today - day).days
    urgency = (5, 40, 38, 17) if kind == "complaint" else (25, 55, 15, 5)
    progress = (50, 50, 0, 0) if age < 10 else (15, 25, 40, 20) if age < 45 else (4, 6, 30, 60)
    return {"account_id": order["account_id"], "contact_id": contact["id"], "opened_by": opened_by, "kind": kind,
            "category": category, "priority": rng.choices(PRIORITIES, weights=urgency)[0],
            "status": rng.choices(CASE_STATUSES, weights=progress)[0], "description": description,
            "classification": {"source": "seed"}, "created_at": world.moment(day)}
