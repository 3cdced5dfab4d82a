"""The eval suite: its scenario files are well-formed and cover every user type and language, the dev/test split is
frozen, and the offline model's figures on the test split hold for each user type, with no write on a turn that
must not write."""
from __future__ import annotations

import re
import shutil
import sqlite3
from collections import Counter

import pytest

from evals.runner import USER_TYPES, breakdown, run_all
from evals.scenarios import SCENARIO_DIR, load_scenarios
from evals.splits import split_of
from tools.registry import ALL

BAR = 0.9  # issue 11: tool choice, arguments and final state, each user type on its own, on the test split
MIN_TURNS = 250
PERSONAS = {"rep", "manager", "customer"}
LANGUAGES = {"en", "zh"}
ID_PREFIX = {"rep": "rep-", "manager": "mgr-", "customer": "cust-", "prompt_engineer": "pe-"}
# Known ids and their split: if the hashing rule (or its salt) changes, scenarios move between dev and test and
# the test figures stop meaning "not tuned on". This pins it.
PINNED = {"rep-en-hannah-brown-call-note": "test", "cust-en-what-happens-delete-account": "dev",
          "cust-zh-ai-training-question": "dev", "pe-en-rollback-sales-prompt": "test",
          "rep-en-northwind-negotiation-candidates": "test", "mgr-zh-rule-in-words": "dev",
          "rep-en-acme-negotiation-deals": "dev", "cust-zh-chenjing-personal-info": "dev"}


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
    assert sum(len(s.turns) for s in scenarios) >= MIN_TURNS
    assert {s.language for s in scenarios} == LANGUAGES
    roles = {s.persona.split(":", 1)[0] for s in scenarios}
    assert PERSONAS <= roles, f"personas missing: {PERSONAS - roles}"
    assert {s.user_type for s in scenarios} == set(USER_TYPES)
    for s in scenarios:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s.id), f"{s.id} is not kebab-case"
        assert s.id.startswith(ID_PREFIX[s.user_type]), f"{s.id} is not prefixed by its user type"
        assert s.turns, f"{s.id} has no turns"


def test_every_user_type_has_must_not_write_turns_in_both_splits(scenarios):
    guarded = Counter((s.split, s.user_type) for s in scenarios for t in s.turns if t.must_not_write)
    for split in ("dev", "test"):
        for user in USER_TYPES:
            assert guarded[(split, user)] >= 2, f"{split}/{user}: only {guarded[(split, user)]} must-not-write turns"
    for s in scenarios:  # a must-not-write turn expects no writing tool, unless the tool must find nothing to
        for t in s.turns:  # change and the reply must say so (a move to the stage the deal is already at)
            if t.must_not_write and any(ALL[c.name].writes for c in t.expect_tools):
                assert t.reply_contains, f"{s.id}: a guarded turn expects a write and no reply saying why not"


def test_the_split_is_frozen_and_holds_every_user_type(scenarios):
    for scenario_id, split in PINNED.items():
        assert split_of(scenario_id) == split, f"{scenario_id} moved to {split_of(scenario_id)}"
    assert {s.id for s in scenarios} >= set(PINNED)
    turns = Counter()
    for s in scenarios:
        turns[(s.split, s.user_type)] += len(s.turns)
    for user in USER_TYPES:
        assert turns[("test", user)] >= 5 and turns[("dev", user)] >= 5, dict(turns)


def test_expected_calls_name_real_tools_with_valid_arguments(scenarios):
    for s in scenarios:
        for n, turn in enumerate(s.turns, 1):
            for call in turn.expect_tools:
                assert call.name in ALL, f"{s.id} turn {n}: no tool '{call.name}'"
                ALL[call.name].args.model_validate(call.replay_args)  # the gold replay must be a valid call


def test_every_persona_is_a_seeded_user_with_that_role(scenarios, seeded_template):
    with sqlite3.connect(seeded_template) as db:
        roles = dict(db.execute("select login, role from users"))
    for s in scenarios:
        role = s.persona.split(":", 1)[0]
        assert roles.get(s.login) == role, f"{s.id}: {s.login} is a {roles.get(s.login)}, not a {role}"


@pytest.fixture(scope="module")
def test_split():
    results = run_all("tessera/offline", split="test")
    return results, breakdown(results)["test"]


# Writes on must-not-write turns of the test split, measured; empty when there are none.
# 0 since 2026-12-01 (session 7): the held-out rep turn of rep_deal_changes.yaml that wrote (1/86) no longer does, once
# a call or visit still ahead ("下午要…通电话") is read as nothing to log.
UNWANTED_WRITES = ""


@pytest.mark.xfail(bool(UNWANTED_WRITES), strict=True, reason=UNWANTED_WRITES)
def test_no_turn_that_must_not_write_writes_on_the_test_split(test_split):
    results, _ = test_split
    wrote = [f"{r.id}: {p}" for r in results for p in r.problems if "must not write" in p]
    assert not wrote, "\n".join(wrote)


# Figures of tessera/offline on the test split still under the bar, each with why (a strict xfail: reaching the bar fails it, so the entry must go).
# Empty since 1 Dec 15:25: reps' tool choice, the last one, measured 90.3% (195/216 turns) on the split grown by
# rep_tenth_round and must_not_write_negations, both written before their fixes (89.9% on 189 turns before).
BELOW_BAR: dict[tuple[str, str], str] = {}


@pytest.mark.parametrize("user", USER_TYPES)
@pytest.mark.parametrize("figure", ["tool_choice", "arguments", "state"])
def test_offline_model_reaches_the_bar_for_each_user_type_on_the_test_split(test_split, request, user, figure):
    if (user, figure) in BELOW_BAR:
        request.applymarker(pytest.mark.xfail(strict=True, reason=BELOW_BAR[(user, figure)]))
    results, groups = test_split
    value = getattr(groups[user], figure)
    problems = [f"{r.id}: {p}" for r in results if r.user_type == user for p in r.problems]
    assert value >= BAR, f"{user} {figure} {value:.1%} < {BAR:.0%}:\n" + "\n".join(problems)
