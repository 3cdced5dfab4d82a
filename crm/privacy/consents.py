"""Recording consent (every change is a new record) and producing an ISO/IEC TS 27560 consent receipt."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import NotFound
from crm.models import Contact
from crm.privacy import audit, pdp
from crm.privacy.models import ConsentRecord
from crm.privacy.taxonomy import Taxonomy, covers, default_taxonomy

CONTROLLER = {"name": "Tessera Demo Co.", "contact": "privacy@tessera.example"}
WITHDRAW_HOW = "say 'revoke my consent for ...' to the Tessera assistant, or PUT /v1/me/consents/{category}/{purpose}"


def default_notice(category: str, purpose: str, granted: bool, lang: str = "en", tax: Taxonomy | None = None) -> str:
    tax = tax or default_taxonomy()
    what, use = tax.label(category, lang), tax.label(purpose, lang)
    if lang == "zh":
        return f"我{'同意' if granted else '不同意'}为“{use}”使用我的{what}。"
    return f"I {'agree' if granted else 'do not agree'} that my {what} may be used for {use}."


def record_consent(session: Session, *, contact_id: int, category: str, purpose: str, granted: bool,
                   now: dt.datetime, channel: str, by: str, notice: str | None = None, lang: str = "en",
                   expires_at: dt.datetime | None = None, tax: Taxonomy | None = None) -> ConsentRecord:
    """Add a consent event; the earlier ones stay as history. Decisions cached in this session are dropped."""
    tax = tax or default_taxonomy()
    tax.require_category(category)
    tax.require_purpose(purpose)
    record = ConsentRecord(receipt_id=str(uuid.uuid4()), contact_id=contact_id, category=category, purpose=purpose,
                           granted=granted, recorded_at=now.replace(tzinfo=None), expires_at=expires_at,
                           channel=channel, notice=notice or default_notice(category, purpose, granted, lang, tax),
                           notice_language=lang, recorded_by=by)
    session.add(record)
    session.flush()
    pdp.forget(session, contact_id)
    audit.append(session, event="consent", actor=by, at=now, contact_id=contact_id, category=category,
                 purpose=purpose, allowed=granted,
                 reason=f"{'granted' if granted else 'refused'} via {channel}; receipt {record.receipt_id}")
    return record


def history(session: Session, contact_id: int) -> list[ConsentRecord]:
    return list(session.scalars(select(ConsentRecord).where(ConsentRecord.contact_id == contact_id)
                                .order_by(ConsentRecord.recorded_at, ConsentRecord.id)))


def current(session: Session, contact_id: int, now: dt.datetime, lang: str = "en",
            tax: Taxonomy | None = None) -> list[dict]:
    """The latest record of each (category, purpose) pair, as the person would read it."""
    tax = tax or default_taxonomy()
    latest: dict[tuple[str, str], ConsentRecord] = {}
    for r in history(session, contact_id):
        latest[(r.category, r.purpose)] = r
    rows = []
    for (cat, purpose), r in sorted(latest.items()):
        expired = r.granted and r.expires_at is not None and r.expires_at <= now
        rows.append({"category": cat, "what": tax.label(cat, lang), "purpose": purpose,
                     "use": tax.label(purpose, lang), "granted": r.granted and not expired,
                     "status": "expired" if expired else ("granted" if r.granted else "refused"),
                     "since": r.recorded_at.date().isoformat(), "channel": r.channel,
                     "expires": r.expires_at.date().isoformat() if r.expires_at else None, "receipt": r.receipt_id})
    return rows


def receipt(session: Session, receipt_id: str, *, contact_id: int | None = None, tax: Taxonomy | None = None) -> dict:
    """ISO/IEC TS 27560 consent record in DPV terms (dpv-27560 profile): header, processing, parties, events."""
    tax = tax or default_taxonomy()
    r = session.scalar(select(ConsentRecord).where(ConsentRecord.receipt_id == receipt_id))
    if r is None or (contact_id is not None and r.contact_id != contact_id):
        raise NotFound(f"no consent receipt '{receipt_id}' for you", kind="no_receipt", id=receipt_id)
    person = session.get(Contact, r.contact_id)
    purpose = tax.purposes.get(r.purpose, {})
    return {
        "header": {"schema_version": "ISO/IEC TS 27560:2023 (dpv-27560)", "record_id": r.receipt_id,
                   "record_created": r.recorded_at.isoformat()},
        "processing": {
            "notice": {"text": r.notice, "language": r.notice_language},
            "purposes": [{"id": r.purpose, "label": tax.label(r.purpose), "dpv": purpose.get("dpv")}],
            "legal_basis": "dpv:Consent",
            "personal_data": [{"category": r.category, "label": tax.label(r.category),
                               "sensitive": tax.sensitive(r.category)}],
            "collection_method": r.channel,
            "storage_location": "Tessera CRM store",
            "recipients": [p["name"] for pid, p in tax.data.get("third_parties", {}).items()
                           if r.purpose == f"third_party_sharing.{pid}"],
            "withdrawal": WITHDRAW_HOW,
            "rights": ["access", "rectification", "erasure", "portability", "withdraw consent"],
        },
        "parties": {"data_controller": CONTROLLER,
                    "data_subject": {"id": f"contact:{r.contact_id}", "name": person.full_name if person else None}},
        "events": [{"time": r.recorded_at.isoformat(),
                    "status": "dpv:ConsentGiven" if r.granted else ("dpv:ConsentWithdrawn" if _withdrew(session, r) else "dpv:ConsentRefused"),
                    "validity": r.expires_at.isoformat() if r.expires_at else None, "recorded_by": r.recorded_by}],
    }


def _withdrew(session: Session, r: ConsentRecord) -> bool:
    return any(g.granted and covers(r.category, g.category) and covers(r.purpose, g.purpose)
               and g.recorded_at <= r.recorded_at for g in history(session, r.contact_id) if g.id != r.id)
