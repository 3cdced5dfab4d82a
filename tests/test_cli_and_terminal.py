"""The `tessera` command and the terminal chat, run as a user runs them."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys

from rich.console import Console

from channels.terminal import run_chat
from tessera.seeding import STEPS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tessera_cli(*args: str, data_dir) -> subprocess.CompletedProcess:
    env = {**os.environ, "TESSERA_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "tessera.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_seed_creates_the_demo_once_and_a_second_run_changes_nothing(tmp_path):
    first = tessera_cli("seed", "--json", data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    steps = f"{len(STEPS)}/{len(STEPS)}"
    assert "seeding the demo company" in first.stderr and steps in first.stderr  # the progress bar, off stdout
    report = json.loads(first.stdout.strip().splitlines()[-1])
    assert report["created"] is True and report["deals"] >= 2000 and report["accounts"] >= 300
    second = json.loads(tessera_cli("seed", "--json", data_dir=tmp_path).stdout.strip().splitlines()[-1])
    assert second["created"] is False
    assert {k: v for k, v in second.items() if k != "created"} == {k: v for k, v in report.items() if k != "created"}


def test_the_terminal_chat_prints_a_table_of_deals_and_the_trace_on_demand(tessera):
    out = io.StringIO()
    console = Console(file=out, width=160, force_terminal=False)
    run_chat(tessera, "li.wei", "term", stdin=io.StringIO("show me the deals of Acme Robotics\n/trace\n/quit\n"),
             console=console)
    screen = out.getvalue()
    assert "find_deals" in screen and "Acme Robotics" in screen
    assert "tool find_deals [success]" in screen  # the /trace output


def test_tessera_trace_prints_a_turn_recorded_by_chat(tessera, data_dir):
    turn = tessera.chat("li.wei", "cli", "show me the deals of Acme Robotics")
    result = tessera_cli("trace", turn.turn_id, "--json", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["agent"] == "sales"
    assert tessera_cli("trace", "missing", data_dir=data_dir).returncode == 1
