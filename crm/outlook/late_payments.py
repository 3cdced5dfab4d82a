"""The accounts' late-payment figures that deals at risk read: for each account, its instalments due in the past
year, how many of them were paid late, how many are unpaid now, and how many days the oldest unpaid one is past due.
They are kept per database and day while the payments and orders tables stand still (crm/data_versions.py: any
write, by any process, moves their counters), so a new or late payment shows on the next call."""
from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import Date, and_, case, func, literal, select
from sqlalchemy.orm import Session

from crm import data_versions
from crm.metrics.sqlfuncs import days_between
from crm.models import Order, Payment

TABLES = ("orders", "payments")
# (account id, instalments due, paid late, unpaid now, days the oldest unpaid one is past due), by account id
Figures = tuple[tuple[int, int, int, int, int], ...]

_kept: dict[str, tuple[tuple, Figures]] = {}  # database -> ((counters, day, lookback), figures)
_lock = threading.Lock()


def late_payment_figures(session: Session, today: dt.date, lookback_days: int) -> Figures:
    """Every account with an instalment due in the `lookback_days` before `today`, with its figures. A session that
    wrote payments or orders itself reads its own rows."""
    stamp = (*data_versions.versions(session, TABLES), today, lookback_days)  # before the rows: see data_versions
    if any(data_versions.wrote_in(session, t) for t in TABLES):
        return _read(session, today, lookback_days)
    where = str(session.get_bind().url)
    with _lock:
        kept = _kept.get(where)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    figures = _read(session, today, lookback_days)
    with _lock:
        _kept[where] = (stamp, figures)
    return figures


def _read(session: Session, today: dt.date, lookback_days: int) -> Figures:
    unpaid = Payment.paid_on.is_(None)
    q = (select(Order.account_id, func.count(),
                func.count(case((and_(Payment.paid_on.is_not(None), Payment.days_late > 0), 1))),
                func.count(case((unpaid, 1))),
                func.coalesce(func.max(case((unpaid, days_between(Payment.due_on, literal(today, Date()))))), 0))
         .join(Order, Order.id == Payment.order_id)
         .where(Payment.due_on >= today - dt.timedelta(days=lookback_days), Payment.due_on < today)
         .group_by(Order.account_id).order_by(Order.account_id))
    return tuple((int(a), int(due), int(late), int(overdue), int(oldest))
                 for a, due, late, overdue, oldest in session.execute(q) if a is not None)
