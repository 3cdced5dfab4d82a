"""Facts about an account shared by the prep card and the daily brief, each read within scope and consent."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.autonomy.models import CompetitorPrice
from crm.models import OPEN_STAGES, Account, Activity, Case, Deal, Order, Payment
from crm.privacy.guard import masked_text
from crm.services.rows import money

PURPOSE = "sales.follow_up"
CATEGORY = "user.behavior.interaction"
QUIET_DAYS = 21
COMPETITOR_WORDS = ("competitor", "竞争对手", "竞品")
# deal ids -> {deal id: {"win_probability", "factors"}}; None when no model could be trained
Scorer = Callable[[list[int]], dict[int, dict]]


def last_touch(session: Session, deal_ids: list[int]) -> dict[int, dt.datetime]:
    rows = session.execute(select(Activity.deal_id, Activity.occurred_at).where(Activity.deal_id.in_(deal_ids)))
    out: dict[int, dt.datetime] = {}
    for deal_id, when in rows:
        out[deal_id] = max(out.get(deal_id, when), when)
    return out


def deal_risks(d: Deal, touched: dt.datetime | None, score: dict | None, today: dt.date, competitor: bool,
               zh: bool = False) -> list[str]:
    """Why an open deal may slip, in words."""
    risks = []
    if d.expected_close < today:
        days = (today - d.expected_close).days
        risks.append(f"预计成交日已过{days}天" if zh else f"expected close passed {days} days ago")
    quiet = (today - touched.date()).days if touched else None
    if quiet is None or quiet >= QUIET_DAYS:
        risks.append(("从未跟进" if zh else "never touched") if quiet is None else
                     (f"{quiet}天没有跟进" if zh else f"no touch for {quiet} days"))
    if d.margin is not None and float(d.margin) < 0.15:
        risks.append(f"毛利仅{float(d.margin):.0%}" if zh else f"thin margin {float(d.margin):.0%}")
    if competitor:
        risks.append("竞争对手在报价" if zh else "a competitor is bidding")
    if score and score["win_probability"] < 0.35:
        risks.append(f"赢单概率低（{score['win_probability']:.0%}）" if zh else
                     f"low win chance ({score['win_probability']:.0%})")
    return risks


def open_deals(session: Session, account: Account, today: dt.date, scorer: Scorer | None, zh: bool) -> list[dict]:
    deals = session.scalars(select(Deal).where(Deal.account_id == account.id, Deal.stage.in_(OPEN_STAGES))
                            .order_by(Deal.expected_close)).all()
    ids = [d.id for d in deals]
    scores = scorer(ids) if scorer and ids else {}
    touched = last_touch(session, ids)
    rivals = competitor_deals(session, ids)
    out = []
    for d in deals:
        score = scores.get(d.id)
        row = {"deal": f"D-{d.id}", "title": d.title, "stage": d.stage, "amount": money(d.amount),
               "expected_close": d.expected_close.isoformat(),
               "win": f"{score['win_probability']:.0%}" if score else None,
               "why": "; ".join(f"{f['factor']} {f['effect']}" for f in score.get("factors", [])) if score else None,
               "risks": deal_risks(d, touched.get(d.id), score, today, d.id in rivals, zh)}
        out.append(row)
    return out


def competitor_deals(session: Session, deal_ids: list[int]) -> set[int]:
    rows = session.execute(select(Activity.deal_id, Activity.subject).where(Activity.deal_id.in_(deal_ids)))
    return {deal_id for deal_id, subject in rows if any(w in (subject or "").lower() for w in COMPETITOR_WORDS)}


def competitor_prices(session: Session, account: Account, product_ids: set[int]) -> list[dict]:
    rows = session.scalars(select(CompetitorPrice).where(CompetitorPrice.unit_id == account.unit_id,
                                                         CompetitorPrice.region == account.region,
                                                         CompetitorPrice.product_id.in_(product_ids))).all()
    return [{"product_id": r.product_id, "competitor": r.competitor or "a competitor", "price": money(r.price)}
            for r in rows]


def late_payments(session: Session, account_id: int, today: dt.date) -> list[dict]:
    """Instalments past due and unpaid, or paid late in the last six months."""
    since = today - dt.timedelta(days=180)
    rows = session.execute(select(Payment, Order.deal_id).join(Order, Order.id == Payment.order_id)
                           .where(Order.account_id == account_id, Payment.due_on < today)).all()
    out = []
    for p, deal_id in rows:
        unpaid = p.paid_on is None
        if unpaid or (p.days_late and p.due_on >= since):
            days = (today - p.due_on).days if unpaid else p.days_late
            out.append({"deal": f"D-{deal_id}", "amount": money(p.amount), "due": p.due_on.isoformat(),
                        "days_late": days, "status": "written off" if p.defaulted else "unpaid" if unpaid else "paid late"})
    return sorted(out, key=lambda r: -r["days_late"])[:6]


def recent_interactions(session: Session, account_id: int, now: dt.datetime, reader: str, limit: int = 5) -> list[dict]:
    """The last notes, with what was said or promised; each passes the decision point for its person."""
    acts = session.scalars(select(Activity).where(Activity.account_id == account_id)
                           .order_by(Activity.occurred_at.desc()).limit(limit)).all()
    out = []
    for a in acts:
        body, _ = masked_text(session, a.contact_id, CATEGORY, PURPOSE, a.body or a.subject, now, actor=reader)
        subject, _ = masked_text(session, a.contact_id, CATEGORY, PURPOSE, a.subject, now, actor=reader)
        out.append({"activity": f"A-{a.id}", "when": f"{a.occurred_at:%Y-%m-%d}", "kind": a.kind,
                    "by": a.user.display_name, "subject": subject, "said": body})
    return out


def open_cases(session: Session, account_id: int, now: dt.datetime, reader: str) -> list[dict]:
    cases = session.scalars(select(Case).where(Case.account_id == account_id, Case.status.in_(("open", "in_progress")))
                            .order_by(Case.created_at.desc())).all()
    out = []
    for c in cases:
        text, _ = masked_text(session, c.contact_id, CATEGORY, PURPOSE, c.description, now, actor=reader)
        out.append({"case": f"C-{c.id}", "category": c.category, "priority": c.priority, "status": c.status,
                    "opened": f"{c.created_at:%Y-%m-%d}", "text": text})
    return out
