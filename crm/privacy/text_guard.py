"""Consent inside free text: every phone number, e-mail, resident ID number and known name in a text passes the
decision point for the person it belongs to, and is withheld where the reader's purpose may not use it.

Whose a value is: a value a known contact holds is decided for that contact (for every holder, when several
hold it: all must allow it). A value no contact holds is decided for the contact the text is about (a mobile
number in a note about 陈静 is most likely hers); in a text about nobody it is withheld ("unknown_values=
'withhold'", for notes and cases) or kept ("'keep'", for replies and traces, where it is what the reader typed
or was already shown). A resident ID number is never a contact field: it is decided for the text's contact
as the sensitive category `user.government_id`, which no purpose but the person's own request may use.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from crm.models import Contact
from crm.privacy import pdp
from crm.privacy.directory import directory
from crm.privacy.identifiers import CN_ID, EMAIL, NAME, PHONE, find_values, replace_spans
from crm.privacy.taxonomy import Taxonomy

WITHHELD = "[withheld]"
CATEGORY = {EMAIL: "user.contact.email", PHONE: "user.contact.phone_number", NAME: "user.name",
            CN_ID: "user.government_id"}
SHOWN = {EMAIL: "email", PHONE: "phone", NAME: "name", CN_ID: "ID number"}


@dataclass
class GuardedText:
    text: str
    withheld: list[str] = field(default_factory=list)  # one reason per withheld value, in words


def guard_text(session: Session, text: str, purpose: str, now: dt.datetime, *, about: int | None = None,
               reader_contact: int | None = None, unknown_values: str = "withhold", actor: str = "system",
               tax: Taxonomy | None = None) -> GuardedText:
    """`text` with each personal value the purpose may not use replaced by [withheld], and why for each.
    `about`: the contact the text is attached to; `reader_contact`: the reader's own contact (their own values
    are always shown to them)."""
    if not text:
        return GuardedText(text or "")
    book = directory(session)
    hidden, reasons = [], []
    values = [(found, book.owners(found) if found.kind != CN_ID else set()) for found in find_values(text, book.names)]
    deciding = {o for _, owners in values for o in (owners or ({about} if about is not None else ()))} - {reader_contact}
    if len(deciding) > 1:  # the consents of everyone the text names, in one query rather than one each
        pdp.prefetch(session, deciding)
    for found, owners in values:
        if not owners:
            if about is not None:
                owners = {about}
            elif unknown_values == "keep":
                continue
            else:
                hidden.append(found)
                reasons.append(f"{SHOWN[found.kind]} withheld: whose it is is unknown, so no consent covers it")
                continue
        if reader_contact is not None and owners == {reader_contact}:
            continue
        denied = [d for o in sorted(owners)
                  if not (d := pdp.decide(session, o, CATEGORY[found.kind], purpose, now, actor=actor, taxonomy=tax))]
        if denied:
            hidden.append(found)
            reasons.append(_why(session, found, denied[0], now, actor, tax))
    if not hidden:
        return GuardedText(text)
    return GuardedText(replace_spans(text, hidden, lambda f: WITHHELD), list(dict.fromkeys(reasons)))


def guard_value(session: Session, value, purpose: str, now: dt.datetime, **kw) -> tuple[object, list[str]]:
    """The same through JSON-like values (a trace's steps): strings guarded, dicts and lists walked."""
    if isinstance(value, str):
        guarded = guard_text(session, value, purpose, now, **kw)
        return guarded.text, guarded.withheld
    if isinstance(value, dict):
        out, reasons = {}, []
        for k, v in value.items():
            out[k], why = guard_value(session, v, purpose, now, **kw)
            reasons += why
        return out, reasons
    if isinstance(value, list):
        parts = [guard_value(session, v, purpose, now, **kw) for v in value]
        return [p for p, _ in parts], [r for _, why in parts for r in why]
    return value, []


def _why(session: Session, found, decision: pdp.ConsentDecision, now: dt.datetime, actor: str,
         tax: Taxonomy | None) -> str:
    from crm.privacy.guard import explain  # guard imports this module: the import is deferred

    contact = session.get(Contact, decision.contact_id)
    if contact is None:
        return f"{SHOWN[found.kind]} withheld: the person was erased"
    return explain(session, contact, SHOWN[found.kind], decision, now, actor=actor, tax=tax)
