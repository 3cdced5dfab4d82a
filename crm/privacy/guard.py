"""How services read personal columns: each value passes the decision point; denied ones are withheld, with why."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from crm.models import Contact
from crm.privacy import pdp
from crm.privacy.labels import personal_columns
from crm.privacy.taxonomy import Taxonomy
from crm.privacy.text_guard import WITHHELD, guard_text, guard_value

# Proposals a rep may see for a contact, each needing one purpose on the contact details.
# The purpose a reader works for when text is shown back to them (replies, traces): reps and managers sell;
# everyone else reads to provide or support the service. A customer always sees their own values.
READER_PURPOSE = {"rep": "sales.follow_up", "manager": "sales.follow_up"}
FOLLOW_UPS = (("call or email about open deals", "sales.follow_up"),
              ("send marketing emails and event invitations", "marketing.communications"),
              ("service and support contact", "essential.service"))


@dataclass
class PersonalView:
    """The values the purpose may use, and for every withheld field the reason in words."""

    values: dict[str, object] = field(default_factory=dict)
    withheld: dict[str, str] = field(default_factory=dict)


def personal_view(session: Session, contact: Contact, purpose: str, fields: list[str], now: dt.datetime, *,
                  actor: str = "system", tax: Taxonomy | None = None) -> PersonalView:
    """`fields` of `contact`: personal ones only when the purpose may use their category for this person."""
    columns = personal_columns(Contact.__table__)
    view = PersonalView()
    for name in fields:
        value = getattr(contact, name)
        label = columns.get(name)
        if label is None:
            view.values[name] = value
            continue
        decision = pdp.decide(session, contact.id, label.category, purpose, now, actor=actor, taxonomy=tax)
        if decision.allowed:
            view.values[name] = value
        else:
            view.values[name] = WITHHELD
            view.withheld[name] = explain(session, contact, name, decision, now, actor=actor, tax=tax)
    return view


def explain(session: Session, contact: Contact, field_name: str, decision: pdp.ConsentDecision, now: dt.datetime,
            *, actor: str = "system", tax: Taxonomy | None = None, shown_for: str | None = None) -> str:
    """"phone withheld: 陈静 revoked 'sales follow-up' on 2026-11-26" -- the name only if the purpose the reader
    works for (`shown_for`, by default the denied one) may use it."""
    who = person_name(session, contact, shown_for or decision.purpose, now, actor=actor, tax=tax)
    reason = decision.reason.replace(f"contact #{contact.id}", who)
    return f"{field_name} withheld: {reason}"


def person_name(session: Session, contact: Contact, purpose: str, now: dt.datetime, *, actor: str = "system",
                tax: Taxonomy | None = None) -> str:
    label = personal_columns(Contact.__table__)["full_name"]
    ok = pdp.decide(session, contact.id, label.category, purpose, now, actor=actor, taxonomy=tax)
    return contact.full_name if ok.allowed else f"contact #{contact.id}"


def follow_ups(session: Session, contact: Contact, now: dt.datetime, *, actor: str = "system",
               tax: Taxonomy | None = None, shown_for: str = "sales.follow_up") -> tuple[list[str], list[str]]:
    """Which follow-ups the contact's consents allow, and which are off the table and why."""
    may, may_not = [], []
    for proposal, purpose in FOLLOW_UPS:
        decision = pdp.decide(session, contact.id, "user.contact", purpose, now, actor=actor, taxonomy=tax)
        if decision.allowed:
            may.append(proposal)
        else:
            may_not.append(f"no {proposal}: {explain(session, contact, 'contact details', decision, now, actor=actor, tax=tax, shown_for=shown_for).split(': ', 1)[1]}")
    return may, may_not


def masked_text(session: Session, contact_id: int | None, category: str, purpose: str, text: str,
                now: dt.datetime, *, actor: str = "system", tax: Taxonomy | None = None) -> tuple[str, list[str]]:
    """Free text about a person (a note, a case): withheld whole when the purpose may not use the person's
    interactions; otherwise every personal value inside it (phones, e-mails, ID numbers, known names) passes
    the decision point for its own person (text_guard). Returns the text and the reasons, in words."""
    if contact_id is not None:
        decision = pdp.decide(session, contact_id, category, purpose, now, actor=actor, taxonomy=tax)
        if not decision.allowed:
            contact = session.get(Contact, contact_id)
            if contact is None:
                return WITHHELD, ["note withheld: the person was erased"]
            return WITHHELD, [explain(session, contact, "note", decision, now, actor=actor, tax=tax)]
    guarded = guard_text(session, text, purpose, now, about=contact_id, actor=actor, tax=tax)
    return guarded.text, guarded.withheld


def shown_to(session: Session, value, *, role: str, reader_contact: int | None, now: dt.datetime,
             actor: str = "system", tax: Taxonomy | None = None) -> tuple[object, list[str]]:
    """A reply or a trace as its reader may see it: personal values of people whose consent does not cover the
    reader's purpose are withheld (values nobody is known to hold are kept: the reader typed or was shown them)."""
    return guard_value(session, value, READER_PURPOSE.get(role, "essential.service"), now, unknown_values="keep",
                       reader_contact=reader_contact, actor=actor, tax=tax)
