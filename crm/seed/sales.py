"""Demo products and two years of sales: deals in every stage, an order per won deal, and its instalments."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from crm.models import OPEN_STAGES, Deal, Order, Payment, Product
from crm.seed.world import CENT, DemoWorld, insert_rows

DEALS = 2100
HISTORY_DAYS = 730  # deals were created over the two years before "today"
BASIS_POINT = Decimal("0.0001")
OPEN_STAGE_WEIGHTS = (30, 25, 25, 20)  # lead, qualified, proposal, negotiation
WIN_RATE = 0.42
ANCHOR_STAGES = ("negotiation", "proposal", "won", "lost")  # every anchor account shows these, then random ones
OWNER_SHARE = 0.8  # how often the account owner also owns the deal; otherwise another rep of the unit


def deal_margin(amount: Decimal, cost: Decimal) -> Decimal:
    """(amount - cost) / amount to four places, as stored on a deal."""
    return ((amount - cost) / amount).quantize(BASIS_POINT, ROUND_HALF_UP)


def seed_products(session: Session, world: DemoWorld) -> None:
    rows = [{"sku": p["sku"], "name": p["name"], "name_zh": p["name_zh"], "stock": p["stock"],
             "price": Decimal(p["price"]).quantize(CENT), "cost": Decimal(p["cost"]).quantize(CENT),
             "lead_time_days": p["lead_time_days"], "_kind": p["kind"], "_quantity": p["quantity"],
             "_industries": p.get("industries")} for p in world.vocab["products"]]
    world.products = insert_rows(session, Product, rows)


def seed_deals(session: Session, world: DemoWorld) -> None:
    """Deals for every account (anchors 4-7 of them, big accounts more), then orders and payments for the won."""
    rng = world.rng
    anchors = [a for a in world.accounts if a["_anchor"]]
    others = [a for a in world.accounts if not a["_anchor"]]
    deals = []
    for account in anchors:
        count = rng.randint(4, 7)
        deals += [_deal(world, account, stage) for stage in ANCHOR_STAGES + (None,) * (count - len(ANCHOR_STAGES))]
    size = [rng.choice((1, 1, 1, 2, 2, 3, 5)) for _ in others]  # a few big accounts buy far more often
    extra = Counter(rng.choices(range(len(others)), weights=size, k=DEALS - len(deals) - len(others)))
    for i, account in enumerate(others):
        deals += [_deal(world, account) for _ in range(1 + extra[i])]
    deals.sort(key=lambda d: d["created_on"])  # ids follow time, as in a live system
    world.deals = insert_rows(session, Deal, deals)
    orders = sorted((_order(world, d) for d in deals if d["stage"] == "won"), key=lambda o: o["ordered_on"])
    world.orders = insert_rows(session, Order, orders)
    insert_rows(session, Payment, [p for order in orders for p in _instalments(world, order)])


def _deal(world: DemoWorld, account: dict, stage: str | None = None) -> dict:
    rng, today = world.rng, world.today
    product = rng.choice([p for p in world.products if not p["_industries"] or account["industry"] in p["_industries"]])
    if stage is None:
        age = rng.randint(0, HISTORY_DAYS)
        stage = _stage_at(world, age)
    else:  # anchors: open deals are recent and live, closed ones are history
        age = rng.randint(5, 75) if stage in OPEN_STAGES else rng.randint(90, 700)
    created = today - dt.timedelta(days=age)
    low, high = product["_quantity"]
    quantity = min(high, int(rng.triangular(low, high + 1, low)))  # most deals are small
    discount = Decimal(min(25, int(rng.triangular(0, 26, 5)))) / 100
    amount = (quantity * product["price"] * (1 - discount)).quantize(CENT, ROUND_HALF_UP)
    cost = (quantity * product["cost"]).quantize(CENT, ROUND_HALF_UP)
    closed = None
    if stage in OPEN_STAGES:
        expected = created + dt.timedelta(days=rng.randint(30, 180))  # may lie in the past: an overdue deal
    else:
        closed = created + dt.timedelta(days=rng.randint(min(7, age), min(age, 160)))
        expected = max(created + dt.timedelta(days=1), closed + dt.timedelta(days=rng.randint(-20, 20)))
    unit = account["_unit"]
    owner = account["owner_id"] if rng.random() < OWNER_SHARE else rng.choice(world.reps[unit])
    touched = closed or world.day_within(created, today)
    product_name = product["name_zh"] if account["_language"] == "zh" else product["name"]
    return {"tenant_id": world.tenant_id, "unit_id": account["unit_id"], "account_id": account["id"],
            "owner_id": owner, "product_id": product["id"], "title": f"{account['name']} · {product_name}",
            "stage": stage, "quantity": quantity, "amount": amount, "cost": cost, "margin": deal_margin(amount, cost),
            "region": account["region"], "created_on": created, "expected_close": expected, "closed_on": closed,
            "updated_at": world.moment(touched), "_product": product, "_language": account["_language"]}


def _stage_at(world: DemoWorld, age: int) -> str:
    """Young deals are mostly open; after about eight months nearly all are won or lost."""
    rng = world.rng
    if age < 3 or rng.random() < max(0.04, 1 - age / 240):
        return rng.choices(OPEN_STAGES, weights=OPEN_STAGE_WEIGHTS)[0]
    return "won" if rng.random() < WIN_RATE else "lost"


def _order(world: DemoWorld, deal: dict) -> dict:
    product = deal["_product"]
    promised = deal["closed_on"] + dt.timedelta(days=product["lead_time_days"] + world.rng.randint(0, 5))
    return {"deal_id": deal["id"], "account_id": deal["account_id"], "product_id": product["id"],
            "quantity": deal["quantity"], "amount": deal["amount"], "ordered_on": deal["closed_on"],
            "promised_on": promised, "_product": product}


def _instalments(world: DemoWorld, order: dict) -> list[dict]:
    """One to three monthly instalments that add up to the order amount, each settled as of today."""
    count = world.rng.choices((1, 2, 3), weights=(45, 35, 20))[0]
    share = (order["amount"] / count).quantize(CENT, ROUND_DOWN)
    rows = []
    for i in range(count):
        due = order["ordered_on"] + dt.timedelta(days=30 * (i + 1))
        amount = order["amount"] - share * (count - 1) if i == count - 1 else share
        rows.append({"order_id": order["id"], "amount": amount, "due_on": due, **_settlement(world, due)})
    return rows


def _settlement(world: DemoWorld, due: dt.date) -> dict:
    """Most pay on time, some late, some are still owing, and a few long-overdue ones are written off."""
    rng = world.rng
    overdue = (world.today - due).days
    if overdue < 0:
        return {"paid_on": None, "days_late": 0, "defaulted": False}
    roll = rng.random()
    if roll < 0.75:
        return {"paid_on": due - dt.timedelta(days=rng.randint(0, 5)), "days_late": 0, "defaulted": False}
    late = rng.randint(1, 75)
    if roll < 0.95 and late <= overdue:
        return {"paid_on": due + dt.timedelta(days=late), "days_late": late, "defaulted": False}
    return {"paid_on": None, "days_late": overdue, "defaulted": roll >= 0.95 and overdue > 60}
