"""The frozen dev/test split of the eval scenarios: a scenario's split is a hash of its id, so it never moves.

Tune the offline model on dev only; report test. A new scenario lands in whichever split its id hashes to, so
nobody chooses where a scenario goes (tests/test_evals.py pins the rule on known ids)."""
from __future__ import annotations

import hashlib

SPLITS = ("dev", "test")
SALT = "tessera-evals-2026-11"
TEST_SHARE = 50  # percent of scenarios held out for test


def split_of(scenario_id: str) -> str:
    bucket = int(hashlib.sha256(f"{SALT}:{scenario_id}".encode()).hexdigest()[:8], 16) % 100
    return "test" if bucket < TEST_SHARE else "dev"
