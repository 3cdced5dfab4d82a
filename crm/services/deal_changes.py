"""Changing what a deal is expected to bring and when: its expected close date and its amount.

A rep changes their own unit's open deals only (a shared account's deal is read-only to another unit, as for
discounts). The amount carries the margin with it (the cost stays), and a reason, when given, is kept as a note on
the deal. A large change of the amount is confirmed first (`update_plan`): it moves the forecast and, when it
lowers the price, gives the customer what a discount would, outside the unit's contract.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor, Invalid
from crm.models import OPEN_STAGES, Activity, Deal
from crm.services.lookup import resolve_account, resolve_deal
from crm.services.rows import deal_row
from crm.services.scope import require_staff

# An amount moved by more than this share of the current amount is shown as a plan and waits for the user's yes.
LARGE_CHANGE = Decimal("0.20")
CENT = Decimal("0.01")


def update_deal(session: Session, actor: Actor, *, deal: str, account: str | None = None,
                expected_close: dt.date | None = None, amount: float | None = None, reason: str | None = None,
                today: dt.date, now: dt.datetime | None = None) -> dict:
    """Set a deal's expected close date and/or amount; the margin follows the amount. Returns what changed
    (old → new); a value already as asked is no change, and a request changing nothing writes nothing."""
    target = _deal_to_change(session, actor, deal, account)
    close, value = _checked(target, expected_close, amount, today)
    changed = []
    if close is not None and close != target.expected_close:
        changed.append(("expected close", target.expected_close.isoformat(), close.isoformat()))
        target.expected_close = close
    if value is not None and value != Decimal(target.amount).quantize(CENT):
        changed.append(("amount", f"{target.amount:,.0f}", f"{value:,.0f}"))
        target.margin = ((value - Decimal(target.cost)) / value).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        target.amount = value
    if not changed:
        return {"unchanged": True, "about": f"D-{target.id} {target.title}", "record": deal_row(target)}
    said = "; ".join(f"{name} {old} → {new}" for name, old, new in changed)
    if reason and reason.strip():  # why, kept with the deal's history where the next reader finds it
        session.add(Activity(account_id=target.account_id, deal_id=target.id, user_id=actor.user_id, kind="note",
                             subject=f"D-{target.id}: {said}"[:200], body=reason.strip(),
                             occurred_at=now or dt.datetime.combine(today, dt.time())))
    session.flush()
    return {"done": f"D-{target.id} {target.title}: {said}", "record": deal_row(target)}


def update_plan(session: Session, actor: Actor, *, deal: str, account: str | None = None,
                expected_close: dt.date | None = None, amount: float | None = None,
                today: dt.date) -> dict | None:
    """The plan shown before a large change of the amount (more than LARGE_CHANGE either way, or below the deal's
    cost); None when the change needs no confirmation (a close date, a small change: undo takes it back). Reads
    only, and fails as the change itself would."""
    target = _deal_to_change(session, actor, deal, account)
    close, value = _checked(target, expected_close, amount, today)
    if value is None:
        return None
    old = Decimal(target.amount)
    share = abs(value - old) / old if old else Decimal(1)
    if share <= LARGE_CHANGE and value >= Decimal(target.cost):
        return None
    name = f"D-{target.id} {target.title} ({target.account.name})"
    direction = "raises" if value > old else "lowers"
    summary = f"Change the amount of {name}: {old:,.0f} → {value:,.0f} ({direction} it by {share:.0%})."
    if value < old:
        summary += (" A lower price for the customer is a discount: to give one, ask for it (the unit's contract "
                    "decides it); this only corrects the deal's value.")
    changes = [{"record": f"D-{target.id}", "field": "amount", "old": f"{old:,.0f}", "new": f"{value:,.0f}"}]
    if close is not None and close != target.expected_close:
        changes.append({"record": f"D-{target.id}", "field": "expected close",
                        "old": target.expected_close.isoformat(), "new": close.isoformat()})
    return {"summary": summary, "changes": changes, "affected": [name], "undo": None}


def _deal_to_change(session: Session, actor: Actor, deal: str, account: str | None) -> Deal:
    require_staff(actor, "change deals")
    acc = resolve_account(session, actor, account) if account else None
    target = resolve_deal(session, actor, deal, acc)
    if actor.role == "rep" and target.unit_id != actor.unit_id:
        raise AccessDenied(f"D-{target.id} belongs to another unit's shared account: you may read it, but only "
                           "its own unit changes it", kind="other_unit", name=f"D-{target.id}")
    if target.stage not in OPEN_STAGES:
        raise Invalid(f"D-{target.id} is already {target.stage}; only open deals have an expected close date and "
                      "amount to change", kind="deal_closed", deal=f"D-{target.id}", stage=target.stage)
    return target


def _checked(target: Deal, expected_close: dt.date | None, amount: float | None,
             today: dt.date) -> tuple[dt.date | None, Decimal | None]:
    if expected_close is None and amount is None:
        raise Invalid(f"say what to change on D-{target.id}: its expected close date, its amount, or both",
                      kind="nothing_to_change", deal=f"D-{target.id}")
    if expected_close is not None and expected_close < today:
        raise Invalid(f"{expected_close.isoformat()} has passed; an expected close date is today or later",
                      kind="close_in_past", day=expected_close.isoformat())
    value = None
    if amount is not None:
        value = Decimal(str(amount)).quantize(CENT, ROUND_HALF_UP)
        if value <= 0:
            raise Invalid(f"a deal's amount must be more than zero, not {amount:g}", kind="amount_positive",
                          amount=f"{amount:g}")
    return expected_close, value
