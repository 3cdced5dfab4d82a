"""The demo's prompt history (seed_history.yaml): a few later versions by the demo's prompt engineers, a staging
candidate or two and one promotion, so diffs, promotions and rollbacks have something to work on. Seeded once."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.data_files import read_yaml
from crm.models import SeedRun
from crm.prompt_registry.service import Files, add_version, move_label

SEED_NAME = "prompt history"
TODAY = dt.datetime(2026, 11, 26, 9, 0)  # the demo's today (crm.seed.demo.DEMO_TODAY)
_FILE = Path(__file__).with_name("seed_history.yaml")


def seed_prompt_history(session: Session, files: Files, today: dt.datetime = TODAY) -> int:
    """Stores the seeded versions of the prompts in `files` and moves their labels; returns how many versions."""
    if session.scalar(select(SeedRun).where(SeedRun.name == SEED_NAME)) is not None:
        return 0
    added = 0
    for entry in read_yaml(_FILE)["versions"]:
        name = entry["prompt"]
        if name not in files:
            continue
        when = today - dt.timedelta(days=entry["days_ago"])
        text = "\n".join([files[name].text, *entry.get("append", [])])
        version = add_version(session, files, name, text, author=entry["author"], note=entry["note"], now=when)
        if version["version"] != entry["version"]:
            raise ValueError(f"seed_history.yaml: {name} v{entry['version']} would be stored as v{version['version']}")
        for label in entry.get("labels", []):
            move_label(session, files, name, label, version["version"], by=entry["author"], now=when,
                       note=entry["note"])
        added += 1
    session.add(SeedRun(name=SEED_NAME, seed=0))
    return added
