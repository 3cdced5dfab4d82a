"""Seeding the demo: the company first, then each capability's own demo data; every step is idempotent."""
from __future__ import annotations

from sqlalchemy.orm import Session

from channels.identities import seed_channels
from crm.autonomy.seed import seed_autonomy
from crm.privacy.seed import seed_privacy
from crm.seed import SeedReport, seed_demo


def seed_everything(session: Session) -> SeedReport:
    report = seed_demo(session)
    seed_autonomy(session)  # contracts, budgets and competitor prices per unit
    seed_privacy(session)  # consents and provenance per contact
    seed_channels(session)  # Slack, WeCom and web identities of the seeded users
    return report
