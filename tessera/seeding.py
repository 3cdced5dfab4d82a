"""Seeding the demo: the company first, then each capability's own demo data; every step is idempotent."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from crm.autonomy.seed import seed_autonomy
from crm.privacy.seed import seed_privacy
from crm.seed import DEMO_STEPS, SeedReport, seed_demo, seed_identities
from crm.seed.stage_history import seed_stage_history
from crm.tasks.seed import seed_tasks
from crm.prompt_registry.seed import seed_prompt_history
from prompts import prompt_files

CAPABILITY_STEPS = ("stage history", "autonomy contracts", "privacy consents", "channel identities", "follow-up tasks",
                    "prompt history")
STEPS = (*DEMO_STEPS, *CAPABILITY_STEPS)  # what `on_step` hears, in order, when the store is seeded for the first time


def seed_everything(session: Session, on_step: Callable[[str], None] = lambda step: None) -> SeedReport:
    report = seed_demo(session, on_step=on_step)
    seed_stage_history(session)  # the stages each deal went through to where it stands
    on_step(CAPABILITY_STEPS[0])
    seed_autonomy(session)  # contracts, budgets and competitor prices per unit
    on_step(CAPABILITY_STEPS[1])
    seed_privacy(session)  # consents and provenance per contact
    on_step(CAPABILITY_STEPS[2])
    seed_identities(session)  # Slack, WeCom and web identities of the seeded users
    on_step(CAPABILITY_STEPS[3])
    seed_tasks(session)  # follow-ups promised on open deals, some overdue
    on_step(CAPABILITY_STEPS[4])
    seed_prompt_history(session, prompt_files())  # later versions of a few prompts, a staging candidate, a promotion
    on_step(CAPABILITY_STEPS[5])
    return report
