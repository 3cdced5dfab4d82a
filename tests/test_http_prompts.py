"""The prompt registry over HTTP: a prompt engineer reads versions and diffs and moves a label; every other caller
(rep, manager, customer, admin, no token, a revoked token) is refused and moves nothing."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from channels.auth import issue_token, revoke_tokens
from channels.http_api import create_app
from crm.prompt_registry import service
from crm.prompt_registry.models import PromptLabel
from evals.state import business_fingerprint
from prompts import load_prompt
from tests.conftest import FIXED_NOW


def token_of(tessera, login: str) -> str:
    with tessera.store.session() as s:
        return issue_token(s, login)


def labels_of(store) -> dict:
    with store.session() as s:
        return {(r.prompt, r.label): r.version for r in s.scalars(select(PromptLabel))}


@pytest.fixture
def api(tessera):
    with TestClient(create_app(tessera)) as client:
        yield client


def as_(tessera, login: str) -> dict:
    return {"Authorization": f"Bearer {token_of(tessera, login)}"}


def test_a_prompt_engineer_reads_prompts_versions_text_and_a_diff(api, tessera):
    pe = as_(tessera, "pe.sun")
    listed = api.get("/v1/prompts", headers=pe)
    assert listed.status_code == 200 and {p["prompt"] for p in listed.json()} >= {"sales", "privacy"}
    sales = api.get("/v1/prompts/sales", headers=pe).json()
    assert [v["version"] for v in sales["versions"]] == [1, 2, 3]
    text = api.get("/v1/prompts/sales/versions/1", headers=pe).json()
    assert text["text"] == load_prompt("sales").text
    diff = api.get("/v1/prompts/sales/diff", params={"old": 1, "new": 3}, headers=pe).json()
    assert diff["added"] == 2 and diff["diff"].startswith("--- sales v1")
    assert api.get("/v1/prompts/sales/versions/9", headers=pe).status_code == 404


def test_a_diff_names_its_sides_by_label_and_reading_it_moves_no_label(api, tessera):
    pe, before = as_(tessera, "pe.sun"), labels_of(tessera.store)
    labelled = api.get("/v1/prompts/sales/diff", params={"old_label": "production", "new_label": "staging"},
                       headers=pe)
    assert labelled.status_code == 200
    assert (labelled.json()["old"], labelled.json()["new"], labelled.json()["added"]) == (1, 3, 2)
    missing = api.get("/v1/prompts/privacy/diff", params={"old_label": "production", "new_label": "staging"},
                      headers=pe)
    assert missing.status_code == 404 and "its labels are" in missing.json()["detail"]
    both = api.get("/v1/prompts/sales/diff", params={"old": 1, "old_label": "production"}, headers=pe)
    assert both.status_code == 400 and "not both" in both.json()["detail"]
    assert api.get("/v1/prompts/sales/diff", params={"old_label": "Prod uction"}, headers=pe).status_code == 422
    assert api.get("/v1/prompts/sales/diff", params={"old_label": "production"},
                   headers=as_(tessera, "li.wei")).status_code == 403
    assert labels_of(tessera.store) == before


def test_a_prompt_engineer_promotes_and_rolls_back_and_only_that_label_moves(api, tessera):
    pe, before = as_(tessera, "pe.morgan"), labels_of(tessera.store)
    moved = api.post("/v1/prompts/sales/labels/production", json={"version": 3, "note": "try v3"}, headers=pe)
    assert moved.status_code == 200 and (moved.json()["from_version"], moved.json()["to_version"]) == (1, 3)
    assert labels_of(tessera.store) == {**before, ("sales", "production"): 3}
    assert "Show three or more records as a table" in tessera.prompts.text("sales")
    back = api.post("/v1/prompts/sales/rollback", json={}, headers=pe)
    assert back.status_code == 200 and back.json()["to_version"] == 1
    assert labels_of(tessera.store) == {**before, ("sales", "production"): 1}
    nothing = api.post("/v1/prompts/analyst/rollback", json={}, headers=pe)
    assert nothing.status_code == 409 and "nothing earlier" in nothing.json()["detail"]


@pytest.mark.parametrize("login", ["li.wei", "olivia.wang", "zhao.lei", "admin", "cust.chen.jing"])
def test_every_other_role_is_refused_reads_and_writes(api, tessera, login):
    other, before = as_(tessera, login), labels_of(tessera.store)
    assert api.get("/v1/prompts", headers=other).status_code == 403
    assert api.get("/v1/prompts/sales/versions/1", headers=other).status_code == 403
    assert api.post("/v1/prompts/sales/labels/production", json={"version": 3}, headers=other).status_code == 403
    assert api.post("/v1/prompts/privacy/rollback", json={}, headers=other).status_code == 403
    assert labels_of(tessera.store) == before


def test_no_token_a_revoked_token_and_unknown_parameters_are_refused(api, tessera):
    before = labels_of(tessera.store)
    assert api.get("/v1/prompts").status_code == 401
    pe = as_(tessera, "pe.sun")
    with tessera.store.session() as s:
        revoke_tokens(s, "pe.sun")
    assert api.post("/v1/prompts/privacy/rollback", json={}, headers=pe).status_code == 401
    fresh = as_(tessera, "pe.sun")
    assert api.get("/v1/prompts", params={"as": "admin"}, headers=fresh).status_code in (400, 422)
    assert api.post("/v1/prompts/sales/labels/latest", json={"version": 1}, headers=fresh).status_code == 409
    assert labels_of(tessera.store) == before


def record_two_runs(tessera) -> None:
    with tessera.store.session() as s:
        for version, tool_choice, hour in ((2, 0.80, 9), (3, 0.86, 10)):
            service.record_eval(s, {"sales": version}, model="tessera/offline", split="dev",
                                now=FIXED_NOW.replace(hour=hour),
                                figures={"rep": {"tool_choice": tool_choice, "arguments": 0.9, "state": 0.95}})


def test_a_prompt_engineer_reads_the_last_eval_run_and_two_versions_compared(api, tessera):
    pe = as_(tessera, "pe.sun")
    assert api.get("/v1/prompts/sales/evals", headers=pe).status_code == 404  # no run recorded yet
    record_two_runs(tessera)
    before = business_fingerprint(tessera.store)
    last = api.get("/v1/prompts/sales/evals", headers=pe).json()
    assert (last["version"], last["figures"]["rep"]["tool_choice"]) == (3, 0.86)
    assert api.get("/v1/prompts/sales/evals", params={"version": 2}, headers=pe).json()["version"] == 2
    compared = api.get("/v1/prompts/sales/evals/compare", headers=pe).json()  # the newest against the previous
    assert (compared["version"], compared["other"], compared["comparable"]) == (3, 2, True)
    assert compared["rows"][0]["change"]["tool_choice"] == 6.0
    assert compared["new_run"]["figures"]["rep"]["tool_choice"] == 0.86
    named = api.get("/v1/prompts/sales/evals/compare", params={"version": 3, "to": "2"}, headers=pe).json()
    assert named["rows"] == compared["rows"]
    missing = api.get("/v1/prompts/sales/evals/compare", params={"to": "1"}, headers=pe)
    assert missing.status_code == 404 and "sales v1" in missing.json()["detail"]
    assert api.get("/v1/prompts/sales/evals/compare", params={"to": "v1"}, headers=pe).status_code == 422
    assert api.get("/v1/prompts/analyst/evals/compare", headers=pe).status_code == 409  # one version only
    assert business_fingerprint(tessera.store) == before  # reading eval runs writes nothing


@pytest.mark.parametrize("login", ["li.wei", "zhao.lei", "admin", "cust.chen.jing"])
def test_every_other_role_is_refused_the_eval_runs(api, tessera, login):
    record_two_runs(tessera)
    other = as_(tessera, login)
    assert api.get("/v1/prompts/sales/evals", headers=other).status_code == 403
    assert api.get("/v1/prompts/sales/evals/compare", headers=other).status_code == 403
    assert api.get("/v1/prompts/sales/evals").status_code == 401
