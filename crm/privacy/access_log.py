"""Who has read a person's data: the policy decision point writes every fresh decision to the audit log (who, when,
which category, for which purpose, allowed or not), so the reads of a person's data can be shown to that person.
The log names people by contact id only; staff by login, turned here into their role and name."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crm.models import User
from crm.privacy.models import AuditEntry
from crm.privacy.taxonomy import Taxonomy, default_taxonomy

READS = ("decision", "token_redeemed")  # a use of personal data the policy allowed, or a vault token redeemed
ROLES = {"en": {"rep": "sales rep", "manager": "sales manager", "admin": "administrator",
                "prompt_engineer": "prompt engineer", "system": "Tessera (automated)"},
         "zh": {"rep": "销售代表", "manager": "销售经理", "admin": "管理员", "prompt_engineer": "提示词工程师",
                "system": "Tessera（自动处理）"}}


def reads_of(session: Session, contact_id: int, *, category: str | None = None, lang: str = "en",
             limit: int = 50, tax: Taxonomy | None = None) -> tuple[list[dict], int]:
    """The allowed reads of `contact_id`'s data (of `category` and its parts, when given), newest first: when, who
    (role and name), which data, for which purpose; and how many there are in all."""
    tax = tax or default_taxonomy()
    q = select(AuditEntry).where(AuditEntry.contact_id == contact_id, AuditEntry.event.in_(READS),
                                 AuditEntry.allowed.is_(True), AuditEntry.actor != f"contact:{contact_id}")
    if category:
        q = q.where(or_(AuditEntry.category == category, AuditEntry.category.like(f"{category}.%")))
    entries = session.scalars(q.order_by(AuditEntry.at.desc(), AuditEntry.seq.desc())).all()
    staff = _staff(session, {e.actor for e in entries})
    roles = ROLES.get(lang, ROLES["en"])
    rows = []
    for e in entries[:limit]:
        user = staff.get(e.actor)
        role = roles.get(user.role, user.role) if user else roles["system"]
        rows.append({"when": e.at.strftime("%Y-%m-%d %H:%M"), "who": role, "name": user.display_name if user else "—",
                     "data": tax.label(e.category, lang), "purpose": tax.label(e.purpose, lang)})
    return rows, len(entries)


def _staff(session: Session, actors: set[str]) -> dict[str, User]:
    logins = {a for a in actors if a and ":" not in a}
    if not logins:
        return {}
    return {u.login: u for u in session.scalars(select(User).where(User.login.in_(logins)))
            if u.role != "customer"}


def summary(rows: list[dict], total: int, what: str, lang: str) -> str:
    """One sentence leading the answer: how many reads, by how many people."""
    people = len({(r["who"], r["name"]) for r in rows})
    if lang == "zh":
        return (f"{what}共被读取 {total} 次，涉及 {people} 位人员或系统（按时间倒序）" if total
                else f"目前没有任何人读取过{what}")
    return (f"{what} was read {total} time(s) by {people} person(s) or system(s), newest first" if total
            else f"No one has read {what} so far")


def sharing(recipients: list[str], lang: str) -> str:
    """The sentence after the reads: whom outside the company the data was given to, or no one."""
    if lang == "zh":
        return f"；我们与以下外部对象共享过它：{'、'.join(recipients)}" if recipients else "；我们没有与任何外部对象共享过它"
    return f"; outside the company it was shared with {', '.join(recipients)}" if recipients else \
        "; it has not been shared with anyone outside the company"
