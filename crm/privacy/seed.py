"""Demo consents and provenance for every seeded contact (idempotent: a 'privacy' seed run marks it done)."""
from __future__ import annotations

import datetime as dt
import random
import uuid

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from crm.models import Contact, SeedRun, User
from crm.privacy.consents import default_notice
from crm.privacy.labels import personal_columns
from crm.privacy.models import ConsentRecord, Provenance, VaultItem

RUN = "privacy"
SEED = 27560
SOURCES = (("event", "trade fair badge scan", "Medica / CMEF 2025 lead list"),
           ("web_form", "tessera-web", "contact form on the website"),
           ("import", "legacy CRM", "migrated from the legacy CRM"),
           ("sales_rep", "tessera-crm", "business card entered by the account owner"))


def seed_privacy(session: Session, *, today: dt.date = dt.date(2026, 11, 26)) -> int:
    """Every contact: consent to sales follow-up and service on contact details, some to marketing; a source
    for every personal field; customers get a purchase-history item in their vault. Returns contacts seeded."""
    if session.scalar(select(SeedRun).where(SeedRun.name == RUN)) is not None:
        return 0
    rng = random.Random(SEED)
    customers = set(session.scalars(select(User.contact_id).where(User.contact_id.is_not(None))))
    columns = personal_columns(Contact.__table__)
    consents, provenance, vault = [], [], []
    contacts = session.scalars(select(Contact).order_by(Contact.id)).all()
    for c in contacts:
        channel, system, detail = rng.choice(SOURCES)
        collected = dt.datetime.combine(today - dt.timedelta(days=rng.randint(60, 700)), dt.time(10, 0))
        lang = c.language or "en"
        for purpose in ("sales.follow_up", "essential.service"):
            consents.append(_consent(c.id, "user.contact", purpose, True, collected, channel, lang))
        if c.id in customers or rng.random() < 0.5:
            consents.append(_consent(c.id, "user.contact", "marketing.communications", True,
                                     collected + dt.timedelta(days=1), channel, lang,
                                     expires=collected + dt.timedelta(days=730)))
        consents.append(_consent(c.id, "user.behavior", "analytics.reporting", rng.random() < 0.7, collected, channel, lang))
        for column, label in columns.items():
            provenance.append({"contact_id": c.id, "field": f"contacts.{column}", "category": label.category,
                               "source_channel": channel, "source_system": system, "source_detail": detail,
                               "collected_at": collected, "collected_for": "sales.follow_up",
                               "shared_with": ["SF Express (顺丰速运)"] if column == "phone" and c.id in customers else [],
                               "recorded_at": collected})
        if c.id in customers:
            vault.append({"contact_id": c.id, "category": "user.behavior.purchase_history", "channel": "order_portal",
                          "content": f"orders placed by contact {c.id} through the portal in {today.year - 1}",
                          "collected_at": collected})
    for table, rows in ((ConsentRecord, consents), (Provenance, provenance), (VaultItem, vault)):
        if rows:
            session.execute(insert(table), rows)
    session.add(SeedRun(name=RUN, seed=SEED, created_at=dt.datetime.combine(today, dt.time())))
    session.flush()
    return len(contacts)


def _consent(contact_id: int, category: str, purpose: str, granted: bool, at: dt.datetime, channel: str, lang: str,
             expires: dt.datetime | None = None) -> dict:
    return {"receipt_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"tessera:{contact_id}:{category}:{purpose}:{at}")),
            "contact_id": contact_id, "category": category, "purpose": purpose, "granted": granted,
            "recorded_at": at, "expires_at": expires, "channel": channel,
            "notice": default_notice(category, purpose, granted, lang), "notice_language": lang,
            "recorded_by": "seed"}
