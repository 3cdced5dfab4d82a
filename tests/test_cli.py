"""The `tessera` command as a newcomer meets it: --help at every level, the global options in any position, tables
by default and JSON with --json, errors on stderr with exit code 2 for bad usage and 1 for a failure; one behaviour
per group."""
from __future__ import annotations

import json

import pytest
import typer

from tessera.cli import app
from tests.cli_support import run_cli
from tests.conftest import settings_for

GROUPS = {"units": {"status", "templates", "clone", "replay", "check-discount", "decisions",
                    "competitor-prices"}, "privacy": {"audit", "export", "erase"},
          "audit": {"verify", "key"}, "tokens": {"issue", "revoke"}, "identities": {"link", "seed", "list", "disable"},
          "slack": {"socket"}, "edge": {"enroll", "revoke", "nodes", "run", "hub", "chat"},
          "models": {"train", "report"}, "threads": {"prune"},
          "prompts": {"list", "show", "diff", "add", "promote", "rollback", "history", "evals"}}
COMMANDS = {"serve", "chat", "trace", "seed", "migrate", "index", "eval"}


def every_command_path(command=None, path=()) -> list[tuple[str, ...]]:
    command = command or typer.main.get_command(app)
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += every_command_path(sub, (*path, name))
    return found


def test_tessera_help_lists_every_group_and_command():
    shown = run_cli("--help")
    assert shown.exit_code == 0
    listed = set(typer.main.get_command(app).commands)
    assert listed == set(GROUPS) | COMMANDS
    assert all(name in shown.stdout for name in listed)
    assert "--install-completion" in shown.stdout  # shell completion


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_each_group_has_help_naming_its_commands(group):
    shown = run_cli(group, "--help")
    assert shown.exit_code == 0, shown.stderr
    assert set(typer.main.get_command(app).commands[group].commands) == GROUPS[group]
    assert all(command in shown.stdout for command in GROUPS[group])
    assert "--log-level" in shown.stdout and "--json" in shown.stdout


def test_every_command_at_every_level_answers_help():
    paths = every_command_path()
    assert len(paths) == 1 + len(COMMANDS) + len(GROUPS) + sum(len(c) for c in GROUPS.values())
    for path in paths:
        shown = run_cli(*path, "--help")
        assert shown.exit_code == 0 and "Usage: tessera" in shown.stdout, path


@pytest.mark.parametrize("line", [
    ["--log-level", "info", "units", "templates"],
    ["units", "--log-level", "info", "templates"],
    ["units", "templates", "--log-level", "info"],
    ["edge", "--log-level", "info", "run", "--help"],
    ["--json", "units", "templates"],
    ["units", "--json", "templates"],
    ["units", "templates", "--json"],
])
def test_global_options_work_before_the_group_after_it_and_after_the_command(line):
    result = run_cli(*line)
    assert result.exit_code == 0, result.stderr
    if "--json" in line:
        assert {t["template"] for t in json.loads(result.stdout)} >= {"retail", "education"}


def test_bad_usage_exits_2_with_the_problem_on_stderr_and_nothing_on_stdout():
    unknown = run_cli("units", "nosuch")
    assert unknown.exit_code == 2 and "No such command 'nosuch'" in unknown.stderr and unknown.stdout == ""
    level = run_cli("units", "templates", "--log-level", "loud")
    assert level.exit_code == 2 and "--log-level" in level.stderr
    assert run_cli("edge", "run").exit_code == 2  # --node-id is required


def test_a_wrong_setting_stops_any_command_with_the_variable_to_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("TESSERA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TESSERA_API_PORT", "eighty")
    refused = run_cli("migrate")
    assert refused.exit_code == 2 and "TESSERA_API_PORT = 'eighty'" in refused.stderr and refused.stdout == ""


# -- one behaviour per group -----------------------------------------------------------------------------------


def test_store_seed_and_migrate_report_as_json(data_dir):
    settings = settings_for(data_dir)
    seeded = run_cli("seed", "--json", settings=settings)
    assert seeded.exit_code == 0 and json.loads(seeded.stdout)["created"] is False  # the template was seeded
    assert "seeding the demo company" in seeded.stderr
    migrated = run_cli("--json", "migrate", settings=settings)
    assert migrated.exit_code == 0 and json.loads(migrated.stdout)["up_to_date"] is True


def test_seed_scale_multiplies_the_history_once_and_refuses_another_factor(data_dir):
    settings = settings_for(data_dir)
    scaled = run_cli("seed", "--scale", "3", "--json", settings=settings)
    assert scaled.exit_code == 0, scaled.stderr
    counts = json.loads(scaled.stdout)
    assert (counts["deals"], counts["orders"], counts["cases"], counts["accounts"]) == (6300, 2091, 450, 300)
    again = run_cli("seed", "--scale", "3", "--json", settings=settings)
    assert json.loads(again.stdout)["deals"] == 6300  # the same factor again changes nothing
    other = run_cli("seed", "--scale", "5", settings=settings)
    assert other.exit_code == 1 and "already scaled 3x" in other.stderr
    assert json.loads(run_cli("seed", "--json", settings=settings).stdout)["deals"] == 6300
    assert run_cli("seed", "--scale", "0", settings=settings).exit_code == 2


def test_tokens_issue_prints_only_the_token_and_an_unknown_login_fails_on_stderr(data_dir):
    settings = settings_for(data_dir)
    issued = run_cli("tokens", "issue", "li.wei", settings=settings)
    assert issued.exit_code == 0 and issued.stdout.strip().startswith("tsk_") and len(issued.stdout.split()) == 1
    revoked = run_cli("tokens", "revoke", "li.wei", "--json", settings=settings)
    assert json.loads(revoked.stdout) == {"login": "li.wei", "revoked": 1}
    unknown = run_cli("tokens", "issue", "nobody", settings=settings)
    assert unknown.exit_code == 1 and "no Tessera user with login 'nobody'" in unknown.stderr and not unknown.stdout


def test_identities_refuse_an_unknown_channel_as_bad_usage(data_dir):
    refused = run_cli("identities", "link", "fax", "U1", "li.wei", settings=settings_for(data_dir))
    assert refused.exit_code == 2 and "unknown channel 'fax'" in refused.stderr
    listed = run_cli("identities", "list", "--json", settings=settings_for(data_dir))
    assert {"channel": "web", "external_id": "li.wei", "login": "li.wei", "role": "rep"} in json.loads(listed.stdout)


def test_slack_socket_without_its_tokens_names_the_variables(data_dir):
    refused = run_cli("slack", "socket", settings=settings_for(data_dir))
    assert refused.exit_code == 2 and "TESSERA_SLACK__APP_TOKEN" in refused.stderr


def test_privacy_export_of_an_unknown_customer_is_bad_usage(data_dir):
    refused = run_cli("privacy", "export", "--customer", "cust.nobody", settings=settings_for(data_dir))
    assert refused.exit_code == 2 and "no customer with login 'cust.nobody'" in refused.stderr


def test_audit_verify_reports_the_chain_as_json(data_dir):
    verified = run_cli("audit", "verify", "--json", settings=settings_for(data_dir))
    assert verified.exit_code == 0 and json.loads(verified.stdout)["ok"] is True


def test_units_clone_with_a_malformed_parameter_is_bad_usage_and_writes_nothing(data_dir):
    settings = settings_for(data_dir)
    before = run_cli("units", "status", "--unit", "east-smb", "--json", settings=settings).stdout
    refused = run_cli("units", "clone", "--unit", "east-smb", "--template", "education", "--param", "budget",
                      settings=settings)
    assert refused.exit_code == 2 and "--param takes KEY=VALUE, got 'budget'" in refused.stderr
    assert run_cli("units", "status", "--unit", "east-smb", "--json", settings=settings).stdout == before


def test_edge_run_with_a_centre_but_no_credential_is_bad_usage_before_starting(data_dir):
    refused = run_cli("edge", "run", "--node-id", "plant-7", "--central", "ws://127.0.0.1:9/v1/edge/sync",
                      settings=settings_for(data_dir))
    assert refused.exit_code == 2 and "TESSERA_EDGE__NODE_CREDENTIAL" in refused.stderr


def test_index_follows_the_stores_log_from_its_cursor_with_progress(tessera):
    pending = tessera.notes.status().pending  # the seeded notes and cases, none indexed yet
    filled = run_cli("index", "--limit", "3", "--json", tessera=tessera)
    assert filled.exit_code == 0 and "indexing notes" in filled.stderr
    assert json.loads(filled.stdout) == {"indexed": 3, "position": 3, "pending": pending - 3, "holder": None}
    again = run_cli("index", "--limit", "2", "--json", tessera=tessera)  # on from where the last one stopped
    assert json.loads(again.stdout)["position"] == 5 and tessera.vector_memory.collection.count() == 5


def test_trace_of_an_unknown_turn_fails_and_chat_refuses_the_wrong_role(tessera):
    missing = run_cli("trace", "no-such-turn", tessera=tessera)
    assert missing.exit_code == 1 and "no turn with id 'no-such-turn'" in missing.stderr
    wrong = run_cli("chat", "--as", "manager:li.wei", tessera=tessera)
    assert wrong.exit_code == 2 and "li.wei is a rep, not a manager" in wrong.stderr


def test_eval_refuses_an_empty_selection_and_an_impossible_floor():
    assert run_cli("eval", "--floor", "2").exit_code == 2
    empty = run_cli("eval", "--only", "no-such-scenario")
    assert empty.exit_code == 1 and "no scenario id contains 'no-such-scenario'" in empty.stderr
    assert run_cli("eval", "--split", "train").exit_code == 2
    assert run_cli("eval", "--user-type", "intern").exit_code == 2


def test_eval_prints_figures_per_split_and_user_type_as_json_and_records_the_run_per_prompt_version(tmp_path):
    settings = settings_for(tmp_path)
    shown = run_cli("eval", "--split", "test", "--user-type", "prompt_engineer", "--only", "pe-en", "--json",
                    "--quiet", settings=settings)
    assert shown.exit_code == 0, shown.stderr
    out = json.loads(shown.stdout)
    assert out["split"] == "test" and "results" not in out  # --quiet: the figures only
    assert set(out["by_split"]) == {"test", "all"}
    figures = out["by_split"]["test"]["prompt_engineer"]
    assert figures["scenarios"] >= 1 and figures["guarded_turns"] >= 1
    assert {"tool_choice", "arguments", "state", "unwanted_writes"} <= set(figures)
    # recorded against the prompts a prompt engineer's turns run: the supervisor's and their specialists'
    assert out["recorded_for"] == {"supervisor": 1, "prompt_ops": 1, "sales": 1, "analyst": 2}
    last = json.loads(run_cli("--json", "prompts", "list", settings=settings).stdout)
    assert {r["prompt"] for r in last} >= set(out["recorded_for"])
    from crm.prompt_registry.service import last_eval
    from crm.store import Store
    from prompts import prompt_files

    store = Store(settings.store_url)
    with store.session() as s:
        run = last_eval(s, prompt_files(), "prompt_ops")
    store.dispose()
    assert (run["split"], run["model"], run["version"]) == ("test", "tessera/offline", 1)
    assert run["figures"]["prompt_engineer"]["tool_choice"] == figures["tool_choice"]
