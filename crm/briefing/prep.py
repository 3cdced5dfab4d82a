"""The meeting prep card: who we meet and what their consent allows, open deals with scores and risks, what was
said and promised lately, open cases, late payments, competitors, and three talking points. It reads only."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import Actor
from crm.briefing.facts import (Scorer, competitor_prices, late_payments, open_cases, open_deals,
                                recent_interactions)
from crm.models import Contact, Deal, Product
from crm.privacy import pdp
from crm.privacy.guard import follow_ups, personal_view
from crm.services.lookup import resolve_account
from crm.services.rows import money
from crm.services.scope import require_staff

PURPOSE = "sales.follow_up"


def prep_card(session: Session, actor: Actor, *, account: str, now: dt.datetime, scorer: Scorer | None = None,
              lang: str = "en") -> dict:
    require_staff(actor, "prepare meetings")
    zh = lang == "zh"
    acc = resolve_account(session, actor, account)
    today = now.date()
    people = session.scalars(select(Contact).where(Contact.account_id == acc.id).order_by(Contact.full_name)).all()
    pdp.prefetch(session, [c.id for c in people])
    contacts = []
    for c in people:
        view = personal_view(session, c, PURPOSE, ["full_name", "title"], now, actor=actor.login)
        may, may_not = follow_ups(session, c, now, actor=actor.login)
        contacts.append({"name": view.values["full_name"], "title": view.values["title"],
                         "may": "; ".join(may) or "—", "not": "; ".join(may_not) or "—"})
    deals = open_deals(session, acc, today, scorer, zh)
    product_ids = set(session.scalars(select(Deal.product_id).where(Deal.account_id == acc.id)))
    names = {p.id: (p.name_zh if zh else p.name, p.price) for p in
             session.scalars(select(Product).where(Product.id.in_(product_ids)))}
    rivals = [{"product": names[r["product_id"]][0], "competitor": r["competitor"], "their_price": r["price"],
               "our_list_price": money(names[r["product_id"]][1])} for r in competitor_prices(session, acc, product_ids)]
    talks = recent_interactions(session, acc.id, now, actor.login)
    cases = open_cases(session, acc.id, now, actor.login)
    late = late_payments(session, acc.id, today)
    card = {
        "record": {"account": acc.name, "owner": acc.owner.display_name, "industry": acc.industry, "city": acc.city,
                   "deals_open": len(deals), "open_pipeline": money(sum(d["amount"] for d in deals)),
                   "talking_points": talking_points(deals, cases, late, rivals, talks, zh)},
        "who_we_meet": contacts,
        "open_deals": deals,
        "last_interactions": talks,
        "open_cases": cases,
        "late_payments": late,
        "competitors": rivals,
        "about": acc.name,
    }
    return card


def talking_points(deals: list[dict], cases: list[dict], late: list[dict], rivals: list[dict], talks: list[dict],
                   zh: bool) -> list[str]:
    """Three things worth saying, most pressing first: an unresolved case, a promise to keep, the best deal to
    move, money owed, a rival's price."""
    points = []
    if cases:
        c = cases[0]
        points.append(f"先回应工单 {c['case']}（{c['category']}，{c['priority']}）再谈新业务" if zh else
                      f"Open with case {c['case']} ({c['category']}, {c['priority']}) before selling anything")
    promised = next((t for t in talks if t["said"] and t["said"] != "[withheld]"), None)
    if promised:
        points.append(f"跟进上次（{promised['when']}，{promised['by']}）：{promised['said']}" if zh else
                      f"Follow up on {promised['when']} ({promised['by']}): {promised['said']}")
    scored = [d for d in deals if d["win"]]
    best = max(scored, key=lambda d: float(d["win"][:-1]), default=deals[0] if deals else None)
    if best:
        risk = f"；风险：{'、'.join(best['risks'])}" if zh and best["risks"] else (
            f"; risks: {', '.join(best['risks'])}" if best["risks"] else "")
        points.append(f"推进 {best['deal']}（{best['stage']}，赢单概率 {best['win'] or '—'}）{risk}" if zh else
                      f"Move {best['deal']} ({best['stage']}, win chance {best['win'] or '—'}) forward{risk}")
    if late:
        owed = late[0]
        points.append(f"提一下 {owed['deal']} 逾期 {owed['days_late']} 天的款项（{owed['amount']:,.0f}）" if zh else
                      f"Raise the {owed['amount']:,.0f} on {owed['deal']}, {owed['days_late']} days late")
    if rivals:
        r = rivals[0]
        points.append(f"{r['competitor']} 的 {r['product']} 报价 {r['their_price']:,.0f}，准备好价值论证" if zh else
                      f"{r['competitor']} offers {r['product']} at {r['their_price']:,.0f}: have the value case ready")
    if not points:
        points.append("了解客户新的需求和计划" if zh else "Ask about new needs and plans: nothing is pending")
    return points[:3]
