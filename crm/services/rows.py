"""Turning entities into plain, JSON-ready rows for tools and the API."""
from __future__ import annotations

from decimal import Decimal

from crm.models import Account, Activity, Case, Deal


def money(value: Decimal | float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def account_row(a: Account) -> dict:
    return {"account": a.name, "industry": a.industry, "region": a.region, "city": a.city,
            "unit": a.unit.code, "owner": a.owner.display_name}


def deal_row(d: Deal) -> dict:
    return {"deal": f"D-{d.id}", "title": d.title, "account": d.account.name, "stage": d.stage,
            "amount": money(d.amount), "margin": f"{float(d.margin):.1%}", "owner": d.owner.display_name,
            "expected_close": d.expected_close.isoformat(), "closed_on": d.closed_on.isoformat() if d.closed_on else None}


def activity_row(a: Activity) -> dict:
    return {"activity": f"A-{a.id}", "kind": a.kind, "subject": a.subject, "by": a.user.display_name,
            "when": a.occurred_at.strftime("%Y-%m-%d %H:%M")}


def case_row(c: Case) -> dict:
    return {"case": f"C-{c.id}", "kind": c.kind, "category": c.category, "priority": c.priority,
            "status": c.status, "opened": c.created_at.strftime("%Y-%m-%d"),
            **({"closed": c.closed_at.strftime("%Y-%m-%d")} if c.closed_at else {})}
