"""The prompt registry as a prompt engineer meets it on the command line: versions kept with author and note, labels
moved by promote and rollback, diffs, and a rollback that really changes what the agents run and nothing else."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from crm.actor import Invalid, NotFound
from crm.store import Store
from crm.prompt_registry import service
from crm.prompt_registry.models import PromptLabel, PromptLabelMove
from prompts import load_prompt, prompt_files
from tests.cli_support import run_cli
from tests.conftest import FIXED_NOW, settings_for

NOW = dt.datetime(2026, 11, 30, 9, 0)


def add(store, name: str, text: str, note: str = "", by: str = "pe.sun") -> int:
    with store.session() as s:
        return service.add_version(s, prompt_files(), name, text, author=by, note=note, now=NOW)["version"]


def test_the_files_are_each_prompts_first_version_and_production_until_moved(store):
    with store.session() as s:
        rows = service.overview(s, prompt_files())
        first = {r["prompt"]: service.versions(s, prompt_files(), r["prompt"])[0] for r in rows}
        sales = service.show(s, prompt_files(), "sales")
    assert {r["prompt"] for r in rows} >= {"sales", "analyst", "privacy", "supervisor", "prompt_ops"}
    assert all(v["source"] == "file" and v["version"] == int(load_prompt(n).version) for n, v in first.items())
    # the demo's history: sales has later versions (v3 on staging), but production was never moved off the file
    assert sales["version"] == 1 and sales["source"] == "file" and sales["text"] == load_prompt("sales").text
    assert sales["labels"] == ["production"]
    assert next(r for r in rows if r["prompt"] == "privacy")["production"] == 2  # promoted in the demo


def test_a_new_version_keeps_author_and_note_and_production_stays_where_it_was(store):
    assert add(store, "draft_writer", "You are Tessera. Be brief.", note="shorter") == 2
    with store.session() as s:
        listed = service.versions(s, prompt_files(), "draft writer prompt")
        live = service.live(s, prompt_files(), "draft_writer")[0]
    assert [v["version"] for v in listed] == [1, 2]
    assert listed[1]["author"] == "pe.sun" and listed[1]["note"] == "shorter" and listed[1]["labels"] == ["latest"]
    assert live["production"] == 1 and live["latest"] == 2


def test_the_diff_of_the_last_two_versions_is_a_unified_diff(store):
    add(store, "draft_writer", load_prompt("draft_writer").text + "\n- Always show the query behind a number.")
    with store.session() as s:
        found = service.diff(s, prompt_files(), "draft_writer")
        same_by_number = service.diff(s, prompt_files(), "draft_writer", old=2, new=1)
    assert (found["old"], found["new"], found["added"], found["removed"]) == (1, 2, 1, 0)
    assert found["diff"].startswith("--- draft_writer v1\n+++ draft_writer v2")
    assert "+- Always show the query behind a number." in found["diff"]
    assert same_by_number["diff"] == found["diff"]  # "v2 vs v1" is the same comparison


def test_a_diff_needs_two_versions_and_unknown_versions_and_prompts_say_what_exists(store):
    with store.session() as s, pytest.raises(Invalid, match="one version only"):
        service.diff(s, prompt_files(), "analyst")
    with store.session() as s, pytest.raises(NotFound, match="its versions are v1, v2"):
        service.show(s, prompt_files(), "privacy", version=4)
    with store.session() as s, pytest.raises(NotFound, match="the prompts are .*sales"):
        service.show(s, prompt_files(), "billing")


def test_rollback_goes_back_to_where_production_was_before_its_last_move(store):
    add(store, "draft_writer", "v2 text")
    add(store, "draft_writer", "v3 text")
    with store.session() as s:
        service.move_label(s, prompt_files(), "draft_writer", "production", 3, by="pe.sun", now=NOW)
        assert service.rollback_target(s, prompt_files(), "draft_writer") == 1  # promoted 1 → 3: back to 1, not 2
    with store.session() as s, pytest.raises(Invalid, match="nothing earlier to roll back to"):
        service.rollback_target(s, prompt_files(), "analyst")


def test_latest_cannot_be_moved_and_a_move_to_where_it_is_changes_nothing(store):
    with store.session() as s, pytest.raises(Invalid, match="latest"):
        service.move_label(s, prompt_files(), "sales", "latest", 1, by="pe.sun", now=NOW)
    with store.session() as s, pytest.raises(Invalid, match="already points at v1"):
        service.move_label(s, prompt_files(), "sales", "production", 1, by="pe.sun", now=NOW)
    with store.session() as s:
        assert len(s.scalars(select(PromptLabelMove)).all()) == 3  # the demo's own moves only


def test_eval_runs_are_recorded_per_version_and_the_last_one_is_found(store):
    with store.session() as s:
        service.record_eval(s, {"sales": 1, "analyst": 2}, model="tessera/offline", split="dev",
                            figures={"rep": {"tool_choice": 0.9}}, now=NOW)
        service.record_eval(s, {"sales": 1}, model="tessera/offline", split="test",
                            figures={"rep": {"tool_choice": 0.8}}, now=NOW + dt.timedelta(hours=1))
    with store.session() as s:
        last = service.last_eval(s, prompt_files(), "sales")
        analyst = service.last_eval(s, prompt_files(), "analyst", version=2)
    assert (last["split"], last["figures"]["rep"]["tool_choice"]) == ("test", 0.8)
    assert analyst["split"] == "dev"
    with store.session() as s, pytest.raises(NotFound, match="no eval run has been recorded for privacy"):
        service.last_eval(s, prompt_files(), "privacy")


# -- the agents run what production points at ------------------------------------------------------------------


def test_the_agents_run_the_production_version_and_a_rollback_brings_the_old_one_back(data_dir, scripted):
    from tessera.runtime import Tessera
    from tessera.settings import AgentModels

    app = Tessera(settings_for(data_dir, models=AgentModels(sales="scripted/llm", fallbacks=[])),
                  clock=lambda: FIXED_NOW, seed=False)
    try:
        with app.store.session() as s:
            before = {(r.prompt, r.label): r.version for r in s.scalars(select(PromptLabel))}
        version = add(app.store, "sales", "You are Tessera v2: answer in one line.")
        with app.store.session() as s:
            service.move_label(s, prompt_files(), "sales", "production", version, by="pe.sun", now=NOW)
        others = {n: app.prompts.text(n) for n in ("analyst", "privacy", "supervisor")}
        scripted.enqueue({"content": "ok"}, {"content": "ok"})
        app.chat("li.wei", "p1", "hello")
        assert scripted.history[-1]["messages"][0]["content"] == "You are Tessera v2: answer in one line."

        assert run_cli("prompts", "rollback", "sales", "--by", "pe.sun", tessera=app).exit_code == 0
        app.chat("li.wei", "p2", "hello")
        assert scripted.history[-1]["messages"][0]["content"] == load_prompt("sales").text
        assert {n: app.prompts.text(n) for n in others} == others  # the other prompts are as they were
        with app.store.session() as s:
            labels = {(r.prompt, r.label): r.version for r in s.scalars(select(PromptLabel))}
        assert labels == {**before, ("sales", "production"): 1}  # every other label where it was
    finally:
        app.close()


# -- the command line --------------------------------------------------------------------------------------------


def test_cli_list_show_diff_promote_rollback_and_history(data_dir, tmp_path):
    settings = settings_for(data_dir)
    new = tmp_path / "draft-v2.md"
    new.write_text("---\nname: draft_writer\nversion: 2\n---\nYou are Tessera. Be brief.\n", encoding="utf-8")

    added = run_cli("prompts", "add", "draft_writer", str(new), "--note", "shorter", "--by", "pe.morgan",
                    settings=settings)
    assert added.exit_code == 0 and "stored draft_writer v2" in added.stdout

    listed = json.loads(run_cli("--json", "prompts", "list", settings=settings).stdout)
    assert next(r for r in listed if r["prompt"] == "draft_writer")["versions"] == 2
    versions = json.loads(run_cli("--json", "prompts", "list", "draft_writer", settings=settings).stdout)
    assert [(v["version"], v["author"], v["note"]) for v in versions][1] == (2, "pe.morgan", "shorter")

    shown = run_cli("prompts", "show", "draft_writer", "--version", "2", settings=settings)
    assert "You are Tessera. Be brief." in shown.stdout and "name: draft_writer" not in shown.stdout  # header stripped
    diffed = run_cli("prompts", "diff", "draft_writer", settings=settings)
    assert "--- draft_writer v1" in diffed.stdout and "+You are Tessera. Be brief." in diffed.stdout

    labelled = run_cli("prompts", "diff", "draft_writer", "--old-label", "production", "--new-label", "latest",
                       settings=settings)
    assert labelled.exit_code == 0 and "+++ draft_writer v2" in labelled.stdout  # production still v1
    twice = run_cli("prompts", "diff", "draft_writer", "1", "--old-label", "production", settings=settings)
    assert twice.exit_code == 2 and "not both" in twice.stderr

    promoted = run_cli("prompts", "promote", "draft_writer", "2", settings=settings)
    assert promoted.exit_code == 0 and "v1 → v2" in promoted.stdout
    assert "Be brief." in run_cli("prompts", "show", "draft_writer", settings=settings).stdout  # production is v2 now

    rolled = run_cli("prompts", "rollback", "draft_writer", settings=settings)
    assert rolled.exit_code == 0 and "v2 → v1" in rolled.stdout
    moves = json.loads(run_cli("--json", "prompts", "history", "draft_writer", settings=settings).stdout)
    assert [(m["from_version"], m["to_version"]) for m in moves] == [(2, 1), (1, 2)]


def test_cli_failures_say_what_exists_and_exit_1(data_dir):
    settings = settings_for(data_dir)
    unknown = run_cli("prompts", "show", "billing", settings=settings)
    assert unknown.exit_code == 1 and "the prompts are" in unknown.stderr
    nothing = run_cli("prompts", "rollback", "analyst", settings=settings)
    assert nothing.exit_code == 1 and "nothing earlier to roll back to" in nothing.stderr
    one = run_cli("prompts", "diff", "analyst", settings=settings)
    assert one.exit_code == 1 and "one version only" in one.stderr


def test_the_draft_writer_runs_its_production_version_too(data_dir, scripted):
    from tessera.runtime import Tessera
    from tessera.settings import AgentModels

    app = Tessera(settings_for(data_dir, models=AgentModels(writer="scripted/writer", fallbacks=[])),
                  clock=lambda: FIXED_NOW, seed=False)
    try:
        version = add(app.store, "draft_writer", "Write the follow-up in three sentences.")
        with app.store.session() as s:
            service.move_label(s, prompt_files(), "draft_writer", "production", version, by="pe.sun", now=NOW)
        scripted.enqueue({"content": "Dear Mark, thanks for the call."})
        app.writer({"account": "Acme Robotics"})
        assert scripted.history[-1]["messages"][0]["content"] == "Write the follow-up in three sentences."
    finally:
        app.close()


def test_cli_evals_shows_the_last_run_and_two_versions_compared_and_refuses_a_bad_version(data_dir):
    settings = settings_for(data_dir)
    store = Store(settings.database_url)
    try:
        with store.session() as s:
            for version, tool_choice, hour in ((2, 0.80, 9), (3, 0.86, 10)):
                service.record_eval(s, {"sales": version}, model="tessera/offline", split="dev",
                                    now=NOW.replace(hour=hour),
                                    figures={"rep": {"tool_choice": tool_choice, "arguments": 0.9, "state": 0.95}})
    finally:
        store.dispose()

    last = json.loads(run_cli("--json", "prompts", "evals", "sales", settings=settings).stdout)
    assert (last["version"], last["figures"]["rep"]["tool_choice"]) == (3, 0.86)
    compared = run_cli("prompts", "evals", "sales", "--compare-to", "previous", settings=settings)
    assert compared.exit_code == 0 and "+6.0 pp" in compared.stdout and "v3 against v2" in compared.stdout
    as_json = json.loads(run_cli("--json", "prompts", "evals", "sales", "--version", "3", "--compare-to", "2",
                                 settings=settings).stdout)
    assert as_json["rows"][0]["change"] == {"tool_choice": 6.0, "arguments": 0.0, "state": 0.0}

    bad = run_cli("prompts", "evals", "sales", "--compare-to", "v1", settings=settings)
    assert bad.exit_code == 2 and "version number" in bad.stderr and bad.stdout == ""
    missing = run_cli("prompts", "evals", "sales", "--compare-to", "1", settings=settings)
    assert missing.exit_code == 1 and "sales v1" in missing.stderr
