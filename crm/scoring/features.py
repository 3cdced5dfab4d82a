"""What the deal-score model sees of a deal, as of a moment: for a closed deal the day before it closed (nothing
learnt at or after the outcome), for an open deal today. Every feature is computed from rows dated before that."""
from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import OPEN_STAGES, Activity, Deal, Order, Payment, Product

NUMERIC = ("deal_age_days", "days_since_activity", "activities_30d", "discount", "account_late_share",
           "account_defaults", "competitor", "rep_win_rate", "log_amount")
CATEGORICAL = ("product",)
LABELS = {  # how a factor is named to a rep
    "deal_age_days": ("deal age", "商机时长"), "days_since_activity": ("days since last touch", "距上次跟进天数"),
    "activities_30d": ("touches in the last 30 days", "近30天跟进次数"), "discount": ("discount depth", "折扣深度"),
    "account_late_share": ("the account's late payments", "客户逾期付款"), "account_defaults": (
        "the account's written-off payments", "客户坏账"), "competitor": ("a competitor is bidding", "竞争对手在报价"),
    "rep_win_rate": ("the owner's win rate", "负责人赢单率"), "log_amount": ("deal size", "金额"),
    "product": ("product", "产品"),
}
COMPETITOR_WORDS = ("competitor", "竞争对手", "竞品")
NO_TOUCH_DAYS = 365
PRIOR_WINS, PRIOR_DEALS = 2.0, 5.0  # a rep with no history counts as 2 wins in 5


@dataclass
class DealRow:
    deal_id: int
    as_of: dt.date
    features: dict
    won: bool | None = None  # None for an open deal
    closed_on: dt.date | None = None


@dataclass
class History:
    """The store's rows that features are computed from, loaded once."""

    deals: list  # rows of DEAL_COLUMNS
    prices: dict[int, float]
    touches: dict[int, list[tuple[dt.date, bool]]] = field(default_factory=dict)  # deal -> (day, competitor?)
    payments: dict[int, list[tuple[dt.date, bool, bool]]] = field(default_factory=dict)  # account -> (due, late, default)
    closes: dict[int, list[tuple[dt.date, bool]]] = field(default_factory=dict)  # owner -> (closed_on, won)


DEAL_COLUMNS = (Deal.id, Deal.stage, Deal.product_id, Deal.quantity, Deal.amount, Deal.created_on, Deal.closed_on,
                Deal.account_id, Deal.owner_id)


def load_history(session: Session, deal_ids: list[int] | None = None) -> History:
    """The rows features come from: every deal's, or (to score a few) those of these deals, their accounts and
    their owners. Plain rows, not entities: a few thousand of them load in a fraction of a second."""
    query = select(*DEAL_COLUMNS).order_by(Deal.id)
    if deal_ids is not None:
        query = query.where(Deal.id.in_(deal_ids))
    deals = session.execute(query).all()
    history = History(deals=deals, prices=dict(session.execute(select(Product.id, Product.price)).all()))
    history.prices = {k: float(v) for k, v in history.prices.items()}
    touches = select(Activity.deal_id, Activity.occurred_at, Activity.subject).where(Activity.deal_id.is_not(None))
    payments = select(Order.account_id, Payment.due_on, Payment.paid_on, Payment.days_late, Payment.defaulted) \
        .join(Order, Order.id == Payment.order_id)
    closes = select(Deal.owner_id, Deal.closed_on, Deal.stage).where(Deal.stage.not_in(OPEN_STAGES),
                                                                     Deal.closed_on.is_not(None))
    if deal_ids is not None:
        touches = touches.where(Activity.deal_id.in_(deal_ids))
        payments = payments.where(Order.account_id.in_({d.account_id for d in deals}))
        closes = closes.where(Deal.owner_id.in_({d.owner_id for d in deals}))
    for deal_id, occurred, subject in session.execute(touches):
        mention = any(w in (subject or "").lower() for w in COMPETITOR_WORDS)
        history.touches.setdefault(deal_id, []).append((occurred.date(), mention))
    for account_id, due, paid, late, defaulted in session.execute(payments):
        history.payments.setdefault(account_id, []).append((due, bool(late) or (paid is None), bool(defaulted)))
    for owner_id, closed_on, stage in session.execute(closes):
        history.closes.setdefault(owner_id, []).append((closed_on, stage == "won"))
    for rows in (*history.touches.values(), *history.payments.values(), *history.closes.values()):
        rows.sort()
    return history


def deal_rows(history: History, today: dt.date, *, closed: bool) -> list[DealRow]:
    """Closed deals (for training, as of the day before each closed) or open deals (as of today)."""
    out = []
    for d in history.deals:
        is_closed = d.stage not in OPEN_STAGES
        if is_closed != closed or (closed and d.closed_on is None):
            continue
        as_of = d.closed_on - dt.timedelta(days=1) if closed else today
        out.append(DealRow(d.id, as_of, features_of(history, d, as_of),
                           won=(d.stage == "won") if closed else None, closed_on=d.closed_on))
    return out


def features_of(history: History, d, as_of: dt.date) -> dict:
    """The features of deal `d` (a row of DEAL_COLUMNS or a Deal) as of the start of day `as_of`."""
    touches = [t for t in history.touches.get(d.id, []) if t[0] <= as_of]
    last = max((t[0] for t in touches), default=None)
    list_value = history.prices.get(d.product_id, 0.0) * max(d.quantity, 1)
    discount = max(0.0, 1 - float(d.amount) / list_value) if list_value else 0.0
    paid = [p for p in history.payments.get(d.account_id, []) if p[0] < as_of]
    closes = history.closes.get(d.owner_id, [])
    before = closes[:bisect.bisect_left(closes, (as_of, False))]  # closed strictly before the moment
    wins = sum(1 for _, won in before if won)
    return {
        "deal_age_days": max(0, (as_of - d.created_on).days),
        "days_since_activity": (as_of - last).days if last else NO_TOUCH_DAYS,
        "activities_30d": sum(1 for t in touches if (as_of - t[0]).days <= 30),
        "discount": round(discount, 4),
        "account_late_share": sum(1 for p in paid if p[1]) / len(paid) if paid else 0.0,
        "account_defaults": sum(1 for p in paid if p[2]),
        "competitor": 1.0 if any(t[1] for t in touches) else 0.0,
        "rep_win_rate": (wins + PRIOR_WINS) / (len(before) + PRIOR_DEALS),
        "log_amount": math.log10(max(float(d.amount), 1.0)),
        "product": str(d.product_id),
    }


def group_by_deal(rows: list[DealRow]) -> dict[int, DealRow]:
    return {r.deal_id: r for r in rows}
