"""Opening a case from free text, classified by readable rules with the reasoning kept on the case; moving a case
between statuses, which dates its close."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor, Invalid, NotFound
from crm.data_files import read_yaml
from crm.models import CASE_STATUSES, Account, Case, utcnow
from crm.services.lookup import resolve_account
from crm.services.rows import case_row
from crm.services.scope import customer_account_id, ensure_visible

RULES_FILE = Path(__file__).resolve().parent.parent / "case_rules.yaml"


@lru_cache(maxsize=1)
def _rules() -> dict:
    return read_yaml(RULES_FILE)


def classify_case(text: str) -> dict:
    """Kind, category and priority of a free-text message, with the cue words that decided each."""
    lowered = text.lower()
    rules = _rules()
    hits = {cat: [w for w in words if w in lowered] for cat, words in rules["categories"].items()}
    category = max(hits, key=lambda c: len(hits[c])) if any(hits.values()) else "general"
    complaint = [w for w in rules["complaint_cues"] if w in lowered]
    urgent = [w for w in rules["urgent_cues"] if w in lowered]
    repeat = [w for w in rules["high_cues"] if w in lowered]
    kind = "complaint" if complaint or category in ("delivery_delay", "product_defect", "billing") and repeat else (
        "question" if category == "how_to" else "service")
    priority = "urgent" if urgent else "high" if (complaint or repeat) else "normal" if category != "how_to" else "low"
    reasons = [f"category {category}: matched {hits.get(category) or 'no cue words'}"]
    reasons.append(f"kind {kind}: complaint cues {complaint or 'none'}, repeat cues {repeat or 'none'}")
    reasons.append(f"priority {priority}: urgent cues {urgent or 'none'}")
    return {"kind": kind, "category": category, "priority": priority, "reasons": reasons,
            "cues": {k: v for k, v in hits.items() if v}}


def open_case(session: Session, actor: Actor, *, text: str, account: str | None = None,
              now: dt.datetime | None = None) -> dict:
    """Opens a case from the problem in the user's words, classified by the case rules; `now`: when (the caller's
    clock, as every other record the tools write)."""
    if not text.strip():
        raise Invalid("a case needs a description of the problem", kind="needs_description")
    if actor.role == "customer":
        account_id = customer_account_id(session, actor)
        if account_id is None:
            raise ValueError("your login is not linked to a customer record; contact support")
        contact_id = actor.contact_id
    else:
        if not account:
            raise Invalid("which account is this case for?", kind="needs_account")
        acc = resolve_account(session, actor, account)
        ensure_visible(actor, acc)
        account_id, contact_id = acc.id, None
    verdict = classify_case(text)
    case = Case(account_id=account_id, contact_id=contact_id, opened_by=actor.user_id, kind=verdict["kind"],
                category=verdict["category"], priority=verdict["priority"], description=text.strip(),
                classification={"source": "rules", **verdict}, created_at=now or utcnow())
    session.add(case)
    session.flush()
    done = {"done": f"opened {verdict['kind']} C-{case.id} ({verdict['category']}, {verdict['priority']})",
            "record": case_row(case)}
    # why the rules classified it so is for staff; the customer sees their case (the reasons stay in `classification`)
    return done if actor.role == "customer" else {**done, "reasons": verdict["reasons"]}


_CASE_ID = re.compile(r"(?<![A-Za-z])C-?\s*(\d+)(?!\d)|^\s*#?(\d+)\s*$", re.I)


def case_id_of(text: str) -> int:
    """The case a user names by its id: "C-12", "c12", "case C-12", "12"."""
    found = _CASE_ID.search(text or "")
    if found is None:
        raise Invalid(f"which case? give its id, e.g. C-12 (not '{text}')", kind="needs_case_id")
    return int(found.group(1) or found.group(2))


def _case_to_change(session: Session, actor: Actor, case_id: int, status: str) -> Case:
    if status not in CASE_STATUSES:
        raise Invalid(f"a case's status is one of {', '.join(CASE_STATUSES)}, not '{status}'", kind="bad_status")
    if actor.role == "customer":
        raise AccessDenied("a case's status is changed by the staff handling it", kind="customer_case_status")
    return _visible_case(session, actor, case_id)


def _visible_case(session: Session, actor: Actor, case_id: int) -> Case:
    """The case, when it is of an account the staff member's units see. Another unit's case is refused without
    naming its account (which account a case is of is itself that unit's to know)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"there is no case C-{case_id}", kind="no_case")
    try:
        ensure_visible(actor, session.get(Account, case.account_id))
    except AccessDenied:
        raise AccessDenied(f"C-{case_id} is a case of another sales unit's account; you can only see your unit's cases",
                           kind="other_unit_case", name=f"C-{case_id}") from None
    return case


def case_status(session: Session, actor: Actor, *, case_id: int) -> dict:
    """Where one case stands, for staff who see its account: status, account, kind, category, priority, opened and
    (once resolved or closed) closed dates. Reads only; the description (personal data) is not part of it. Refuses a
    customer (their cases are answered by staff), a case of another unit and a case that does not exist."""
    if actor.role == "customer":
        raise AccessDenied("a case's status is read by the staff handling it; ask us about your case in your own words",
                           kind="customer_case_lookup")
    case = _visible_case(session, actor, case_id)
    row = case_row(case)
    return {"about": row["case"], "record": {"case": row["case"], "status": case.status,
                                             "account": session.get(Account, case.account_id).name,
                                             **{k: v for k, v in row.items() if k not in ("case", "status")}}}


def case_status_plan(session: Session, actor: Actor, *, case_id: int, status: str) -> dict | None:
    """The plan shown before a case is closed, resolved or reopened (reads only); None when it already has `status`.
    Refuses as `change_case_status` would: a customer, a case of another unit, a case that does not exist."""
    case = _case_to_change(session, actor, case_id, status)
    if case.status == status:
        return None
    account = session.get(Account, case.account_id)
    return {"summary": f"Set C-{case.id} ({account.name}, {case.category}) from {case.status} to {status}.",
            "changes": [{"record": f"C-{case.id}", "field": "status", "old": case.status, "new": status}],
            "affected": [f"C-{case.id}", account.name], "undo": None}


def change_case_status(session: Session, actor: Actor, *, case_id: int, status: str,
                       now: dt.datetime | None = None) -> dict:
    """Moves a case to `status`. Resolving or closing it dates the close at `now` (the caller's clock), unless it was
    closed already (resolved → closed keeps the first moment); reopening it (open, in progress) clears the date."""
    case = _case_to_change(session, actor, case_id, status)
    was_dated = case.closed_at is not None
    case.status = status  # Case validates the status: dates or clears closed_at
    if case.closed_at is not None and not was_dated:
        case.closed_at = now or utcnow()
    session.flush()
    return {"done": f"C-{case.id} is {status}", "record": case_row(case)}
