"""Deals at risk ranked in the database: one statement scores every open deal in scope by the signals and strengths
of crm/outlook/deal_risk.py (expected close passed, no activity for a while, a discount above its unit's norm, late
payments of the account; the same arithmetic in the same order) and returns only the deals that can be among the
`limit` riskiest, with the numbers their reasons are worded from, and how many open deals it checked and flagged.
Python then words and orders those few: thousands of open deals at scale never leave the database."""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Date, Float, Row, Select, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from crm import data_versions
from crm.metrics.sqlfuncs import day_of, days_between
from crm.models import OPEN_STAGES, Activity, Deal, Product
from crm.outlook.late_payments import Figures, late_payment_figures

# The statement reads only deals, products and activities (the units' norms and the accounts' late-payment figures
# are constants in it, part of its arguments): its rows are kept per database and arguments while those tables'
# counters stand still (crm/data_versions.py: any write, by any process, moves them), so a repeated report runs no
# ranking and a write shows at the next one. Bounded: emptied when full.
TABLES = ("deals", "products", "activities")
_kept: dict[tuple, tuple[tuple[int, ...], tuple[list[Row], int, int]]] = {}
_KEPT_MAX = 64
_lock = threading.Lock()

# The report ranks by the risk rounded to 0.01: a deal more than this below the limit-th deal's unrounded risk cannot
# round up past it, so the statement leaves it out; those closer are ranked in Python with the exact key.
MARGIN = 0.0101


@dataclass
class Candidates:
    rows: list[Row]  # the deals that can be among the riskiest, with their numbers and `risk` (the signals but the model's)
    open_deals: int  # open deals in scope
    flagged: int  # of which with at least one of these signals
    payments: dict[int, tuple[int, int, int, int, int]]  # account -> its late-payment figures (crm/outlook/late_payments.py)


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
    figures = late_payment_figures(session, today, late_lookback_days)
    payments = {f[0]: f for f in figures}
    args = (units, owner_id, today, limit, quiet_days, tuple(sorted(uppers.items())),
            _late_risks(figures, late_payments), tuple(sorted(also)))
    stamp = data_versions.versions(session, TABLES)  # before the rows: see crm/data_versions.py
    own = any(data_versions.wrote_in(session, t) for t in TABLES)  # a session reads its own uncommitted rows
    key = (str(session.get_bind().url), args)
    if not own:
        with _lock:
            kept = _kept.get(key)
        if kept is not None and kept[0] == stamp:
            return Candidates(*kept[1], payments)
    rows = session.execute(_statement(*args)).all()
    if rows:
        found = (rows, rows[0].open_deals, rows[0].flagged)
    else:  # nothing flagged: still say how many open deals were checked
        found = ([], session.scalar(select(func.count()).select_from(Deal).where(*in_scope(units, owner_id))), 0)
    if not own:
        with _lock:
            if len(_kept) >= _KEPT_MAX:
                _kept.clear()
            _kept[key] = (stamp, found)
    return Candidates(*found, payments)


def _late_risks(figures: Figures, late_payments: int) -> tuple[tuple[int, float], ...]:
    """Account -> what its late payments add to a deal's risk (1 + their strength), for the accounts that show the
    signal: `late_payments` or more paid late, or one unpaid now."""
    return tuple((account, 1.0 + min((late + 2 * overdue) / max(due, 1), 1.0))
                 for account, due, late, overdue, _ in figures if late >= late_payments or overdue > 0)


@lru_cache(maxsize=64)
def _statement(units: tuple[int, ...] | None, owner_id: int | None, today: dt.date, limit: int, quiet_days: int,
               uppers: tuple[tuple[int, float], ...], late_risks: tuple[tuple[int, float], ...],
               also: tuple[int, ...]) -> Select:
    """The ranking statement, built once per scope, day, norms and late-payment figures (building it took 3.5 ms
    of CPU at every call, a tenth of the whole tool at ten times the seed); it is run afresh each time, so every write
    to deals, activities and products shows, and the figures are read again when a payment or order changes
    (crm/outlook/late_payments.py)."""
    scope = in_scope(units, owner_id)
    uppers = dict(uppers)
    day = literal(today, Date())
    last_touch = (select(func.max(Activity.occurred_at)).where(Activity.deal_id == Deal.id)
                  .correlate(Deal).scalar_subquery())
    # the accounts' late payments as a constant per account, from figures kept until a payment changes: aggregating
    # the payments again in every ranking took a third of the statement's time at ten times the seed
    late = case(dict(late_risks), value=Deal.account_id, else_=0.0) if late_risks else literal(0.0, Float)
    list_value = cast(Product.price, Float) * case((Deal.quantity > 1, Deal.quantity), else_=1)
    discount = case((list_value != 0, 1.0 - cast(Deal.amount, Float) / list_value), else_=0.0)
    upper = case(uppers, value=Deal.unit_id) if uppers else literal(None, Float)
    base = (select(Deal.id, Deal.title, Deal.stage, cast(Deal.amount, Float).label("amount"), Deal.quantity,
                   Deal.expected_close, Deal.created_on, Deal.unit_id, Deal.account_id,
                   cast(Product.price, Float).label("price"), day_of(last_touch).label("last"),
                   case((discount > 0.0, discount), else_=0.0).label("discount"), upper.label("upper"),
                   late.label("late_risk"))
            .join(Product, Product.id == Deal.product_id)
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
            + base.c.late_risk)
    scored = select(base, risk.label("risk")).cte("scored")
    limit_th = select(scored.c.risk).order_by(scored.c.risk.desc()).offset(limit - 1).limit(1).scalar_subquery()
    contender = and_(scored.c.risk > 0, scored.c.risk >= func.coalesce(limit_th, 0.0) - MARGIN)
    q = select(scored, select(func.count()).select_from(scored).scalar_subquery().label("open_deals"),
               select(func.count()).select_from(scored).where(scored.c.risk > 0).scalar_subquery().label("flagged"))
    return q.where(or_(contender, scored.c.id.in_(list(also))) if also else contender)


def _capped(x):
    """min(x, 1.0), as the signals cap their strength."""
    return case((x > 1.0, 1.0), else_=x)
