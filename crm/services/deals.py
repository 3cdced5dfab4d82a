"""Finding deals and moving them through the pipeline."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from crm.actor import AccessDenied, Actor, NotFound
from crm.models import DEAL_STAGES, OPEN_STAGES, Activity, Deal, SalesUnit
from crm.services.deal_stages import change_stage
from crm.services.lookup import OWN, owner_named, refuse_other_units_owner, resolve_account, resolve_deal
from crm.services.rows import deal_row
from crm.services.scope import require_staff, scoped, team_unit_ids

# The orders a deal list can be asked in (besides the default, latest expected close first): the biggest amount
# first, the soonest expected close first (an open deal's expected day, a closed one's closing day).
ORDERS = ("amount", "close_date")


def _units_of(session: Session, actor: Actor, unit: str) -> list[int] | None:
    """The unit ids a `unit` filter names: "mine" the asker's team; else the unit by code or name (either language)."""
    if unit.strip().lower() in OWN:
        return team_unit_ids(session, actor)
    said = unit.strip().lower()
    for uid, code, name in session.execute(select(SalesUnit.id, SalesUnit.code, SalesUnit.name)):
        if said in (code.lower(), name.lower(), *(n.strip().lower() for n in name.split(" / "))):
            return [uid]
    raise NotFound(f"no sales unit '{unit}'")


def find_deals(session: Session, actor: Actor, *, account: str | None = None, stage: str | None = None,
               start: dt.date | None = None, end: dt.date | None = None, owner: str | None = None,
               min_amount: float | None = None, idle_days: int | None = None, today: dt.date | None = None,
               open_only: bool = False, deal: str | None = None, unit: str | None = None,
               order_by: str | None = None, limit: int = 50, slipped: bool = False) -> tuple[list[dict], int, dict]:
    """Deals matching the filters, newest expected close first. A period says when deals close: for a won or lost
    stage, the deals closed in it; otherwise the open deals expected to close in it ("deals closing this month" are
    the ones still to win, not those already won or lost whose expected date fell in the month). `idle_days`: only
    open deals with no activity in the `idle_days` days up to `today` (none since created, for a deal never
    touched), longest idle first, each with its last activity. The third value says what was asked for, filter by
    filter ({"account": "Acme Robotics", "idle_days": 14}): the reply words it in the reader's language, with
    `amount_total`, the sum over every match (not only the rows returned). `open_only`: only deals not yet won or
    lost; `deal`: that one deal ("what's the close date of D-2017?"); `unit`: one sales unit's deals (its code or
    name), or "mine" for the asker's team (`team_unit_ids`: a manager's region, a rep's unit); `order_by`: one of
    ORDERS ("my biggest open deals", "which close soonest"), else the latest expected close first; `slipped`: only
    open deals whose expected close is before `today` ("deals that slipped past their close date")."""
    require_staff(actor, "search deals")
    if order_by is not None and order_by not in ORDERS:
        raise ValueError(f"unknown order '{order_by}'; deals can be ordered by {' or '.join(ORDERS)}")
    q = scoped(select(Deal), actor, Deal.unit_id)
    about: dict = {}
    last = (select(Activity.deal_id, func.max(Activity.occurred_at).label("at")).where(Activity.deal_id.is_not(None))
            .group_by(Activity.deal_id).subquery())
    if account:
        acc = resolve_account(session, actor, account)
        q = q.where(Deal.account_id == acc.id)
        about["account"] = acc.name
    if deal:  # one deal asked about: "D-1925预计什么时候成交？" reads no stage or period into it
        q = q.where(Deal.id == resolve_deal(session, actor, deal).id)
        about["deal"] = deal
        stage = start = end = None
    if unit:
        units = _units_of(session, actor, unit)
        if units is not None:
            q = q.where(Deal.unit_id.in_(units))
        about["unit"] = unit
    if open_only and stage is None:
        q = q.where(Deal.stage.in_(OPEN_STAGES))
        about["open"] = True
    if slipped:  # still open after the day they were expected to close
        q = q.where(Deal.stage.in_(OPEN_STAGES), Deal.expected_close < (today or dt.date.today()))
        about.pop("open", None)  # said by "slipped" already
        about["slipped"] = True
        stage = None if stage not in OPEN_STAGES else stage
    if stage:
        if stage not in DEAL_STAGES:
            raise ValueError(f"unknown stage '{stage}'; stages are {', '.join(DEAL_STAGES)}")
        q = q.where(Deal.stage == stage)
        about["stage"] = stage
    owner_user = None
    if owner:
        user = owner_user = owner_named(session, actor, owner)
        q = q.where(Deal.owner_id == user.id)
        about["owner"] = user.display_name
    if start or end:
        closed = stage is not None and stage not in OPEN_STAGES
        when = Deal.closed_on if closed else Deal.expected_close
        if not closed:
            q = q.where(Deal.stage.in_(OPEN_STAGES))
        if start:
            q = q.where(when >= start)
        if end:
            q = q.where(when <= end)
        about["closed" if closed else "closing"] = {"start": start and start.isoformat(),
                                                    "end": end and end.isoformat()}
    if min_amount is not None:
        q = q.where(Deal.amount >= Decimal(str(min_amount)))
        about["min_amount"] = min_amount
    if idle_days is not None:
        if idle_days < 1:
            raise ValueError(f"idle_days must be at least 1, not {idle_days}")
        since = dt.datetime.combine((today or dt.date.today()) - dt.timedelta(days=idle_days), dt.time())
        q = q.outerjoin(last, last.c.deal_id == Deal.id).where(
            Deal.stage.in_(OPEN_STAGES),
            or_(last.c.at < since, and_(last.c.at.is_(None), Deal.created_on <= since.date())))
        about["idle_days"] = idle_days
    # how many match and what they are worth, in one statement over the same FROM and WHERE (a subquery of the
    # whole select built the proxies of every deal column at each call, and was read twice)
    total, amount_total = session.execute(q.with_only_columns(func.count(Deal.id),
                                                              func.coalesce(func.sum(Deal.amount), 0))).one()
    total = total or 0
    if not total and owner_user is not None:
        refuse_other_units_owner(session, actor, owner_user, "deals")
    about["amount_total"] = float(amount_total or 0)
    if order_by:
        about["order_by"] = order_by
    if idle_days is not None:  # longest idle first unless asked otherwise, with when each was last touched
        idle_first = (func.coalesce(last.c.at, Deal.created_on), Deal.id)
        rows = q.add_columns(last.c.at).options(joinedload(Deal.account), joinedload(Deal.owner)) \
            .order_by(*(_order(order_by) if order_by else idle_first))
        found = session.execute(rows.limit(limit)).all()
        return [{**deal_row(d), "last_activity": _day(at)} for d, at in found], total, about
    rows = q.options(joinedload(Deal.account), joinedload(Deal.owner)).order_by(*_order(order_by))
    deals = session.scalars(rows.limit(limit)).all()
    return [deal_row(d) for d in deals], total, about


def _order(order_by: str | None) -> tuple:
    """The SQL order of a deal list; ties go to the lower id."""
    if order_by == "amount":
        return Deal.amount.desc(), Deal.id
    if order_by == "close_date":
        return func.coalesce(Deal.closed_on, Deal.expected_close), Deal.id
    return Deal.expected_close.desc(), Deal.id


def _day(at: dt.datetime | dt.date | str | None) -> str | None:
    return None if at is None else str(at)[:10]


def move_deal_stage(session: Session, actor: Actor, *, deal: str, stage: str, account: str | None = None,
                    today: dt.date, now: dt.datetime | None = None) -> dict:
    """Move a deal to `stage` (won or lost closes it today), recorded in its stage history as the actor's move at
    `now` (the start of `today` when not given)."""
    require_staff(actor, "change deals")
    if stage not in DEAL_STAGES:
        raise ValueError(f"unknown stage '{stage}'; stages are {', '.join(DEAL_STAGES)}")
    acc = resolve_account(session, actor, account) if account else None
    target = resolve_deal(session, actor, deal, acc)
    if target.stage == stage:  # "move it to negotiation" when it is there: say so, write nothing
        return already_at(target)
    if target.stage not in OPEN_STAGES and actor.role == "rep":
        raise AccessDenied(f"D-{target.id} is already {target.stage}; reopening a closed deal needs a manager",
                           kind="deal_closed", deal=f"D-{target.id}", stage=target.stage)
    previous = target.stage
    at = now if now is not None else dt.datetime.combine(today, dt.time())
    change_stage(session, target, stage, by=actor.user_id, at=at)
    session.flush()
    return {"done": f"D-{target.id} {target.title}: {previous} → {stage}", "record": deal_row(target),
            "previous_stage": previous}


def already_at(target: Deal) -> dict:
    """The answer to moving a deal to the stage it is at: no write, the deal as it stands."""
    return {"unchanged": True, "about": f"D-{target.id} {target.title}", "already": target.stage,
            "record": deal_row(target)}


def close_plan(session: Session, actor: Actor, *, deal: str, stage: str, account: str | None = None) -> dict | None:
    """The plan shown before a deal is closed won or lost (closing cannot be undone by a rep); None for a move
    between open stages, which needs no confirmation. Reads only."""
    if stage in OPEN_STAGES:
        return None
    require_staff(actor, "change deals")
    acc = resolve_account(session, actor, account) if account else None
    target = resolve_deal(session, actor, deal, acc)
    if target.stage == stage:
        return None  # nothing will change: nothing to confirm
    verb = {"won": "Close as won", "lost": "Close as lost"}.get(stage, f"Move to {stage}")
    return {"summary": f"{verb}: D-{target.id} {target.title} ({target.account.name}, {target.amount:,.0f}). "
                       f"A closed deal can only be reopened by a manager.",
            "changes": [{"record": f"D-{target.id}", "field": "stage", "old": target.stage, "new": stage}],
            "affected": [f"D-{target.id} {target.title}", target.account.name], "undo": None}


def price_plan(session: Session, actor: Actor, *, deal: str, kind: str, percent: float | None = None) -> dict:
    """The plan shown before a discount is requested or a quote approved (booked against the unit's budget, and
    not undone by undo). Reads only."""
    require_staff(actor, "change deals")
    target = resolve_deal(session, actor, deal)
    name = f"D-{target.id} {target.title} ({target.account.name})"
    if kind == "discount":
        after = target.amount * (1 - Decimal(str(percent)) / 100)
        summary = (f"Request {percent:g}% off {name}: {target.amount:,.0f} → {after:,.0f}. The unit's contract "
                   f"books it, or sends it to the approver.")
        changes = [{"record": f"D-{target.id}", "field": "amount", "old": f"{target.amount:,.0f}",
                    "new": f"{after:,.0f}"}]
    else:
        summary = (f"Approve the quote of {name} at {target.amount:,.0f} under the unit's contract, or send it to "
                   f"the approver.")
        changes = [{"record": f"D-{target.id}", "field": "quote", "old": "not approved", "new": "approved"}]
    return {"summary": summary, "changes": changes, "affected": [name], "undo": None}
