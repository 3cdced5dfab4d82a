"""Race-free, idempotent booking: a conditional UPDATE that never lets `used` pass `limit`, and pools per period."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.autonomy.models import BudgetPool
from crm.models import Deal
from crm.store import Store

HALF_CENT = Decimal("0.005")  # SQLite keeps money as binary floats: compare to the cent, not to the bit


class Conflict(RuntimeError):
    """Another request changed the same record first; the caller retries with fresh facts."""


def ensure_pool(store: Store, unit_id: int, pool: str, period: str, limit: Decimal) -> int:
    """The id of the unit's pool for the period, created on first use; its limit follows the active contract."""
    for _ in range(3):
        try:
            with store.session() as s:
                row = s.execute(select(BudgetPool.id, BudgetPool.limit_amount).where(
                    BudgetPool.unit_id == unit_id, BudgetPool.pool == pool, BudgetPool.period == period)).first()
                if row is None:
                    created = BudgetPool(unit_id=unit_id, pool=pool, period=period, limit_amount=limit,
                                         used_amount=Decimal(0))
                    s.add(created)
                    s.flush()
                    return created.id
                if abs(Decimal(str(row.limit_amount)) - limit) >= HALF_CENT:
                    s.execute(update(BudgetPool).where(BudgetPool.id == row.id).values(limit_amount=limit))
                return row.id
        except IntegrityError:  # another request created it at the same moment: read theirs
            continue
    raise Conflict(f"could not create the {pool} budget pool for {period}")


def book(session: Session, pool_id: int, amount: Decimal) -> bool:
    """Add `amount` to the pool's use only if it still fits; True when booked. Runs in the decision's transaction."""
    result = session.execute(
        update(BudgetPool)
        .where(BudgetPool.id == pool_id, BudgetPool.used_amount + amount <= BudgetPool.limit_amount + HALF_CENT)
        .values(used_amount=BudgetPool.used_amount + amount)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def pool_left(session: Session, pool_id: int) -> tuple[float, float]:
    row = session.execute(select(BudgetPool.limit_amount, BudgetPool.used_amount).where(BudgetPool.id == pool_id)).one()
    return float(row.limit_amount), float(row.used_amount)


def apply_discount(session: Session, deal_id: int, old_amount: float, new_amount: float, new_margin: float) -> None:
    """Set the deal's new price, provided no one repriced it since the facts were read."""
    result = session.execute(
        update(Deal).where(Deal.id == deal_id, func.abs(Deal.amount - Decimal(str(old_amount))) < HALF_CENT)
        .values(amount=Decimal(str(new_amount)), margin=Decimal(str(round(new_margin, 4))))
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(f"D-{deal_id} was repriced while the request was being decided")
