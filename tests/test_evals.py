"""The eval suite: its scenario files are well-formed and cover every persona and language, and the offline
model's tool-choice accuracy over the whole suite stays at or above a floor."""
from __future__ import annotations

import re
import shutil
import sqlite3
from collections import Counter

import pytest

from evals.runner import run_all, totals
from evals.scenarios import SCENARIO_DIR, load_scenarios
from tools.registry import ALL

# A little below what tessera/offline reaches on the suite (never below 0.9); raise it as the model improves.
FLOOR = 0.9
MIN_SCENARIOS = 60
PERSONAS = {"rep", "manager", "customer"}
LANGUAGES = {"en", "zh"}
ID_PREFIX = {"rep": "rep-", "manager": "mgr-", "customer": "cust-"}


@pytest.fixture(scope="module")
def scenarios():
    return load_scenarios()


def test_every_scenario_file_loads_with_unique_ids_and_full_coverage(scenarios, tmp_path):
    files = sorted(SCENARIO_DIR.glob("*.yaml"))
    assert files, f"no scenario files in {SCENARIO_DIR}"
    for path in files:  # each file on its own, so a broken or empty file is named
        alone = tmp_path / path.stem
        alone.mkdir()
        shutil.copy(path, alone / path.name)
        assert load_scenarios(alone), f"{path.name} holds no scenarios"
    ids = [s.id for s in scenarios]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert len(scenarios) >= MIN_SCENARIOS
    assert {s.language for s in scenarios} == LANGUAGES
    roles = {s.persona.split(":", 1)[0] for s in scenarios}
    assert PERSONAS <= roles, f"personas missing: {PERSONAS - roles}"
    for s in scenarios:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s.id), f"{s.id} is not kebab-case"
        prefix = ID_PREFIX.get(s.persona.split(":", 1)[0], "?")
        assert s.id.startswith(prefix), f"{s.id} is not prefixed by its persona ({prefix})"
        assert s.turns, f"{s.id} has no turns"


def test_expected_calls_name_real_tools_with_valid_arguments(scenarios):
    for s in scenarios:
        for n, turn in enumerate(s.turns, 1):
            for call in turn.expect_tools:
                assert call.name in ALL, f"{s.id} turn {n}: no tool '{call.name}'"
                ALL[call.name].args.model_validate(call.args)  # the gold replay must be a valid call


def test_every_persona_is_a_seeded_user_with_that_role(scenarios, seeded_template):
    with sqlite3.connect(seeded_template) as db:
        roles = dict(db.execute("select login, role from users"))
    for s in scenarios:
        role = s.persona.split(":", 1)[0]
        assert roles.get(s.login) == role, f"{s.id}: {s.login} is a {roles.get(s.login)}, not a {role}"


def test_offline_model_tool_choice_accuracy_stays_above_the_floor():
    results = run_all("tessera/offline")
    t = totals(results)
    failing = [f"{r.id}: {p}" for r in results for p in r.problems if "expected tools" in p or "Error" in p]
    summary = (f"tool-choice {t.tool_choice:.1%}, arguments {t.arguments:.1%}, final state {t.state:.1%}, "
               f"passed {t.passed}/{t.scenarios}")
    assert t.scenarios >= MIN_SCENARIOS
    assert t.tool_choice >= FLOOR, f"{summary}; below the floor {FLOOR:.0%}:\n" + "\n".join(failing)
