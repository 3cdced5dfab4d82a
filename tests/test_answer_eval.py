"""The manager questions graded on the answer: enough of them, half Chinese, split dev/test, every SQL finds an
answer on the seeded store, and the grader tells a right answer from a wrong one."""
from __future__ import annotations

import re
import shutil

import pytest

from crm.store import Store
from evals.answers import expected_answer, grade, load_questions
from tests.conftest import FIXED_NOW


@pytest.fixture(scope="module")
def seeded(seeded_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("answers") / "a.db"
    shutil.copy(seeded_template, path)
    store = Store(f"sqlite:///{path}")
    yield store
    store.dispose()


def test_there_are_enough_questions_in_both_languages_with_a_held_out_split():
    questions = load_questions()
    assert len(questions) >= 80
    for split in ("dev", "test"):  # about half Chinese: neither language below 40%, in either split
        chosen = [q for q in questions if q["split"] == split]
        chinese = sum(q["language"] == "zh" for q in chosen)
        assert 0.4 <= chinese / len(chosen) <= 0.6, (split, chinese, len(chosen))
    assert {q["split"] for q in questions} == {"dev", "test"}
    assert len({q["id"] for q in questions}) == len(questions)
    assert all(q["persona"] in ("olivia.wang", "zhao.lei", "liang.yu", "admin") for q in questions)


# a list of the groups below a bound that 0 meets ("reps who logged nothing", "fewer than 5"): 0 is their answer
ZERO_BOUND = re.compile(r"HAVING\s+\w+\([^)]*\)\s*(?:=\s*0|<\s*\d)", re.I)


def test_every_expected_answer_is_computed_and_not_empty(seeded):
    with seeded.session() as s:
        for q in load_questions():
            if q["expect"] == "cannot":
                continue
            rows = expected_answer(s, q)
            assert rows, f"question {q['id']}: the SQL finds no answer"
            if q["expect"] == "rows" and ZERO_BOUND.search(q["sql"]):  # "which reps logged nothing": names at 0
                assert all(r[0] not in (None, "") for r in rows), f"question {q['id']}: a group without a name"
            else:
                assert rows[0][-1] not in (None, 0), f"question {q['id']}: the SQL finds no answer"


def test_the_grader_accepts_the_answer_and_rejects_another_number(seeded):
    q = next(q for q in load_questions() if q["id"] == 1)
    with seeded.session() as s:
        rows = expected_answer(s, q)
    right, want = grade(q, rows, f"North Industry had the highest won value: {want_value(rows)}, 55% of the total.")
    assert right, want
    assert not grade(q, rows, "North Industry had the highest won value: ¥1.0M.")[0]
    assert not grade(q, rows, f"North Public Sector had the highest won value: {want_value(rows)}.")[0] or \
        rows[1][1] == rows[0][1]
    cannot = {"expect": "cannot", "language": "en", "question": "?"}
    assert grade(cannot, [], "That did not work: I can't do that: there is no metric 'nps'.")[0]
    assert FIXED_NOW.year == 2026


def want_value(rows) -> str:
    from crm.metrics.answer import fmt

    return fmt(float(rows[0][1]), "money", "en")


def test_several_metrics_asked_together_are_right_only_when_every_number_is_in_the_first_line():
    q = {"expect": "values", "language": "en", "question": "win rate and average deal size", "unit": ["ratio", "money"]}
    rows = [(0.39, 139135.6)]
    assert grade(q, rows, "Win rate in 2026: 39.0%; average deal size: ¥139.1K.")[0]
    assert not grade(q, rows, "Win rate in 2026: 39.0%.\naverage deal size | ¥139.1K")[0]
