"""Decisions already taken on discounts and quotes: what was decided, by whom (the contract or an approver), when and
why; for the deals the actor's scope shows. Reads only: asking whether a discount was approved never decides one."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.actor import Actor
from crm.autonomy.models import ContractDecision
from crm.models import Account, Deal, User
from crm.services.lookup import resolve_account, resolve_deal
from crm.services.scope import require_staff, scoped

KINDS = ("discount", "quote")
PENDING = "escalated"  # waiting for the approver: decided by nobody yet


def past_decisions(session: Session, actor: Actor, *, deal: str | None = None, account: str | None = None,
                   kind: str = "discount", outcome: str | None = None, mine: bool = False,
                   industry: str | None = None, limit: int = 20) -> tuple[list[dict], int, dict]:
    """Decisions on the deals the actor's units decide, newest first: (rows, total, what was asked about).

    A decision belongs to the unit that owns the deal, so a rep sees their own unit's decisions only (a shared
    account's discounts stay its owning unit's business). `mine`: only those the actor asked for; `industry`: only
    those on deals of accounts in that industry ("what did we give logistics customers before?")."""
    require_staff(actor, "read discount decisions")
    if kind not in KINDS:
        raise ValueError(f"unknown kind '{kind}'; decisions are about a {' or a '.join(KINDS)}")
    q = scoped(select(ContractDecision), actor, ContractDecision.unit_id).where(ContractDecision.kind == kind)
    about: dict = {"kind": kind}
    if deal:
        target = resolve_deal(session, actor, deal)
        q = q.where(ContractDecision.deal_id == target.id)
        about["deal"] = f"D-{target.id}"
    if account:
        acc = resolve_account(session, actor, account)
        q = q.where(ContractDecision.deal_id.in_(select(Deal.id).where(Deal.account_id == acc.id)))
        about["account"] = acc.name
    if industry:
        in_industry = select(Deal.id).join(Account, Account.id == Deal.account_id) \
            .where(func.lower(Account.industry) == industry.strip().lower())
        q = q.where(ContractDecision.deal_id.in_(in_industry))
        about["industry"] = industry
    if outcome:
        q = q.where(ContractDecision.outcome == outcome)
        about["outcome"] = outcome
    if mine:
        q = q.where(ContractDecision.requested_by == actor.login)
        about["mine"] = True
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(ContractDecision.created_at.desc(), ContractDecision.id.desc()).limit(limit)).all()
    names = _names(session, rows)
    return [_row(r, names) for r in rows], total, about


def _names(session: Session, rows: list[ContractDecision]) -> dict:
    """Account names of the decisions' deals and display names of the people in them, read once."""
    deal_ids = {r.deal_id for r in rows if r.deal_id}
    accounts = dict(session.execute(select(Deal.id, Account.name).join(Account, Account.id == Deal.account_id)
                                    .where(Deal.id.in_(deal_ids))).all()) if deal_ids else {}
    logins = {r.requested_by for r in rows} | {r.approver for r in rows if r.approver}
    people = dict(session.execute(select(User.login, User.display_name).where(User.login.in_(logins))).all()) \
        if logins else {}
    return {"accounts": accounts, "people": people}


def _row(row: ContractDecision, names: dict) -> dict:
    people = names["people"]
    percent = row.request.get("percent")
    return {"decision": f"CD-{row.id}", "deal": row.request.get("deal") or (f"D-{row.deal_id}" if row.deal_id else None),
            "account": names["accounts"].get(row.deal_id), "percent": f"{percent:g}%" if percent else None,
            "outcome": row.outcome,
            "decided_by": None if row.outcome == PENDING else people.get(row.approver, row.approver) or "contract",
            "decided_at": row.decided_at.strftime("%Y-%m-%d %H:%M") if row.decided_at else None,
            "requested_by": people.get(row.requested_by, row.requested_by),
            "requested_at": row.created_at.strftime("%Y-%m-%d %H:%M"), "why": why(row)}


def why(row: ContractDecision) -> str:
    """The reason in one line: the approver's note, else the rule that decided (the rejection, the missing evidence,
    the escalation), else the contract's acceptance."""
    if row.approver:
        return row.note or f"{'approved' if row.outcome == 'accept' else 'declined'} by the approver"
    reasons = list(row.reasons or [])
    for marker in ("REJECT", "NEEDS EVIDENCE", "escalated to"):
        found = next((r for r in reasons if r.startswith(marker)), None)
        if found:
            return found
    return reasons[-1] if reasons else ""
