"""The competitor price table each unit maintains: the evidence behind discounts that match a rival's offer."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor, Invalid
from crm.autonomy.catalog import unit_by_code
from crm.autonomy import trail
from crm.autonomy.models import CompetitorPrice
from crm.models import Product, SalesUnit
from crm.services.lookup import resolve_product
from crm.services.scope import require_staff, scoped


def record_competitor_price(session: Session, actor: Actor, *, product: str, price: float, competitor: str = "",
                            region: str | None = None, unit: str | None = None, now: dt.datetime) -> dict:
    """Record (or update) a competitor's unit price for one of our products in a region, for the actor's unit."""
    require_staff(actor, "record competitor prices")
    if price <= 0:
        raise Invalid(f"a competitor price must be above zero, not {price:g}", kind="price_positive")
    target = unit_by_code(session, unit) if unit else session.get(SalesUnit, actor.unit_id) if actor.unit_id else None
    if target is None:
        raise ValueError("which unit's price table is this for? name the unit")
    if actor.role == "rep" and target.id != actor.unit_id:
        raise AccessDenied(f"unit {target.code} keeps its own competitor prices; you can only record your unit's")
    item = _product(session, product)
    where = (region or target.region).strip().lower()
    row = session.scalar(select(CompetitorPrice).where(CompetitorPrice.unit_id == target.id,
                                                       CompetitorPrice.product_id == item.id,
                                                       CompetitorPrice.region == where))
    previous = float(row.price) if row else None
    if row is None:
        row = CompetitorPrice(unit_id=target.id, product_id=item.id, region=where)
        session.add(row)
    row.price, row.competitor, row.recorded_by, row.recorded_at = Decimal(str(price)), competitor, actor.login, now
    trail.record(session, unit_id=target.id, actor=actor.login, event="competitor_price", now=now,
                 details={"product": item.sku, "region": where, "price": price, "previous": previous},
                 chained={"product": item.sku, "region": where, "price": str(price), "previous": str(previous)},
                 summary=f"competitor price for {item.sku} in {where} recorded")
    return {"done": f"{competitor or 'competitor'} price for {item.name} in {where}: {price:,.2f} per unit",
            "record": {"unit": target.code, "product": item.sku, "region": where, "price": price,
                       "competitor": competitor, "previous": previous, "our_list_price": float(item.price)}}


def competitor_prices(session: Session, actor: Actor, *, product: str | None = None,
                      competitor: str | None = None) -> tuple[list[dict], dict]:
    """The competitor prices recorded by the units the actor sees (a rep: their own unit's table), by product and
    region: (rows, what was asked about). Reads only."""
    require_staff(actor, "read competitor prices")
    q = (scoped(select(CompetitorPrice, Product, SalesUnit.code), actor, CompetitorPrice.unit_id)
         .join(Product, Product.id == CompetitorPrice.product_id).join(SalesUnit, SalesUnit.id == CompetitorPrice.unit_id))
    about: dict = {}
    if product:
        item = _product(session, product)
        q = q.where(CompetitorPrice.product_id == item.id)
        about["product"] = item.name
    if competitor and competitor.strip():
        q = q.where(CompetitorPrice.competitor.ilike(f"%{competitor.strip()}%"))
        about["competitor"] = competitor.strip()
    rows = session.execute(q.order_by(SalesUnit.code, Product.name, CompetitorPrice.region)).all()
    return [{"product": p.name, "region": c.region, "competitor": c.competitor or None, "price": float(c.price),
             "our_list_price": float(p.price), "below_ours": f"{1 - float(c.price) / float(p.price):.1%}" if p.price else None,
             "unit": code, "recorded_by": c.recorded_by, "recorded_on": c.recorded_at.date().isoformat()}
            for c, p, code in rows], about


def _product(session: Session, name: str) -> Product:
    """An exact name or SKU first ("Edge Gateway" is not "Edge Gateway Pro"), then the usual lookup."""
    text = name.strip()
    exact = session.scalar(select(Product).where((Product.name == text) | (Product.name_zh == text)
                                                 | (Product.sku == text.upper())))
    return exact or resolve_product(session, text)
