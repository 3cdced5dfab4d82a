"""Deals at risk ranked in the database: one statement scores every open deal in scope by the signals and strengths
of crm/outlook/deal_risk.py (expected close passed, no activity for a while, a discount above its unit's norm, late
payments of the account; the same arithmetic in the same order) and returns only the deals that can be among the
`limit` riskiest, with the numbers their reasons are worded from, and how many open deals it checked and flagged.
Python then words and orders those few: thousands of open deals at scale never leave the database."""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Date, Float, Row, Select, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from crm.metrics.sqlfuncs import day_of, days_between
from crm.models import OPEN_STAGES, Activity, Deal, Order, Payment, Product

# The report ranks by the risk rounded to 0.01: a deal more than this below the limit-th deal's unrounded risk cannot
# round up past it, so the statement leaves it out; those closer are ranked in Python with the exact key.
MARGIN = 0.0101


@dataclass
class Candidates:
    rows: list[Row]  # the deals that can be among the riskiest, with their numbers and `risk` (the signals but the model's)
    open_deals: int  # open deals in scope
    flagged: int  # of which with at least one of these signals


def in_scope(units: tuple[int, ...] | None, owner_id: int | None) -> list:
    """The open deals of these units (None: every unit), of one owner when `owner_id` is given."""
    where = [Deal.stage.in_(OPEN_STAGES)]
    if units is not None:
        where.append(Deal.unit_id.in_(units))
    if owner_id is not None:
        where.append(Deal.owner_id == owner_id)
    return where


def ranked_candidates(session: Session, units: tuple[int, ...] | None, owner_id: int | None, today: dt.date, *,
                      limit: int, quiet_days: int, uppers: dict[int, float], late_lookback_days: int,
                      late_payments: int, also: Collection[int] = ()) -> Candidates:
    """The open deals `in_scope(units, owner_id)` that can be among the `limit` riskiest, and the deals `also` (those
    the deal-score model flags, whatever their other signals). `uppers`: unit -> the discount above which a deal is
    over its unit's norm."""
    q = _statement(units, owner_id, today, limit, quiet_days, tuple(sorted(uppers.items())), late_lookback_days,
                   late_payments, tuple(sorted(also)))
    rows = session.execute(q).all()
    if not rows:  # nothing flagged: still say how many open deals were checked
        return Candidates([], session.scalar(select(func.count()).select_from(Deal).where(*in_scope(units, owner_id))),
                          0)
    return Candidates(rows, rows[0].open_deals, rows[0].flagged)


@lru_cache(maxsize=64)
def _statement(units: tuple[int, ...] | None, owner_id: int | None, today: dt.date, limit: int, quiet_days: int,
               uppers: tuple[tuple[int, float], ...], late_lookback_days: int, late_payments: int,
               also: tuple[int, ...]) -> Select:
    """The ranking statement, built once per scope, day and norms (building it took 3.5 ms of CPU at every call, a
    tenth of the whole tool at ten times the seed); it is run afresh each time, so every write shows."""
    scope = in_scope(units, owner_id)
    uppers = dict(uppers)
    day = literal(today, Date())
    last_touch = (select(func.max(Activity.occurred_at)).where(Activity.deal_id == Deal.id)
                  .correlate(Deal).scalar_subquery())
    payments = _payments(scope, today, day, late_lookback_days)
    list_value = cast(Product.price, Float) * case((Deal.quantity > 1, Deal.quantity), else_=1)
    discount = case((list_value != 0, 1.0 - cast(Deal.amount, Float) / list_value), else_=0.0)
    upper = case(uppers, value=Deal.unit_id) if uppers else literal(None, Float)
    base = (select(Deal.id, Deal.title, Deal.stage, cast(Deal.amount, Float).label("amount"), Deal.quantity,
                   Deal.expected_close, Deal.created_on, Deal.unit_id, Deal.account_id,
                   cast(Product.price, Float).label("price"), day_of(last_touch).label("last"),
                   case((discount > 0.0, discount), else_=0.0).label("discount"), upper.label("upper"),
                   payments.c.due, payments.c.late, payments.c.overdue, payments.c.oldest)
            .join(Product, Product.id == Deal.product_id)
            .outerjoin(payments, payments.c.account_id == Deal.account_id)
            .where(*scope)).cte("base").prefix_with("MATERIALIZED")
    # MATERIALIZED: each open deal's last touch is sought once; as a subquery SQLite folded `base` into `scored` and
    # ran the correlated seek at every mention of it (four per deal: at ten times the seed 41 ms of CPU, now 31)
    slipped = days_between(base.c.expected_close, day)
    quiet = days_between(func.coalesce(base.c.last, base.c.created_on), day)
    risk = (case((slipped > 0, 1.0 + _capped(cast(slipped, Float) / 90.0)), else_=0.0)
            + case((quiet >= quiet_days,
                    1.0 + _capped(cast(quiet - quiet_days, Float) / float(max(quiet_days, 1)) / 2.0)), else_=0.0)
            + case((and_(base.c.upper.is_not(None), base.c.discount > base.c.upper),
                    1.0 + _capped((base.c.discount - base.c.upper) / 0.10)), else_=0.0)
            + case((and_(base.c.due.is_not(None), or_(base.c.late >= late_payments, base.c.overdue > 0)),
                    1.0 + _capped(cast(base.c.late + 2 * base.c.overdue, Float) / cast(base.c.due, Float))),
                   else_=0.0))
    scored = select(base, risk.label("risk")).cte("scored")
    limit_th = select(scored.c.risk).order_by(scored.c.risk.desc()).offset(limit - 1).limit(1).scalar_subquery()
    contender = and_(scored.c.risk > 0, scored.c.risk >= func.coalesce(limit_th, 0.0) - MARGIN)
    q = select(scored, select(func.count()).select_from(scored).scalar_subquery().label("open_deals"),
               select(func.count()).select_from(scored).where(scored.c.risk > 0).scalar_subquery().label("flagged"))
    return q.where(or_(contender, scored.c.id.in_(list(also))) if also else contender)


def _capped(x):
    """min(x, 1.0), as the signals cap their strength."""
    return case((x > 1.0, 1.0), else_=x)


def _payments(in_scope: list, today: dt.date, day, lookback_days: int):
    """Account -> its instalments due in the past year: how many, paid late, unpaid now, and the days the oldest
    unpaid one is past due; only the accounts of the deals in scope."""
    unpaid = Payment.paid_on.is_(None)
    return (select(Order.account_id, func.count().label("due"),
                   func.count(case((and_(Payment.paid_on.is_not(None), Payment.days_late > 0), 1))).label("late"),
                   func.count(case((unpaid, 1))).label("overdue"),
                   func.coalesce(func.max(case((unpaid, days_between(Payment.due_on, day)))), 0).label("oldest"))
            .join(Order, Order.id == Payment.order_id)
            .where(Payment.due_on >= today - dt.timedelta(days=lookback_days), Payment.due_on < today,
                   Order.account_id.in_(select(Deal.account_id).where(*in_scope)))
            .group_by(Order.account_id)).subquery()
