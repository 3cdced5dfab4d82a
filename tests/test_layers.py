"""Dependencies point down: import-linter's contracts in pyproject.toml hold for the code as it is, and they break
when a domain module imports an adapter or a framework, or a tool imports a channel."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def lint(monkeypatch) -> int:
    monkeypatch.chdir(ROOT)  # import-linter reads pyproject.toml from the working directory
    # import-linter disables every logger that exists when it runs (a logging config with disable_existing_loggers):
    # later tests in the same process that read logs (caplog) would see nothing, so the flags are put back.
    loggers = [lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    disabled = {lg: lg.disabled for lg in loggers}
    try:
        return lint_imports(no_cache=True, no_logo=True)
    finally:
        for lg, flag in disabled.items():
            lg.disabled = flag


def test_the_import_contracts_hold(monkeypatch, capsys):
    assert lint(monkeypatch) == 0, capsys.readouterr().out


@pytest.mark.parametrize("planted, line, contract", [
    ("crm/_planted_violation.py", "import channels.cli", "The CRM domain imports no adapter"),
    ("crm/services/_planted_violation.py", "from langgraph.types import interrupt", "The CRM domain imports no"),
    ("tools/_planted_violation.py", "from channels import auth", "Tools and agents import no channel"),
    ("agents/_planted_violation.py", "import tessera.runtime", "Dependencies point down"),
])
def test_a_planted_upward_import_breaks_the_contracts(monkeypatch, capsys, planted, line, contract):
    module = ROOT / planted
    module.write_text(f'"""A violation planted by tests/test_layers.py."""\n{line}\n', encoding="utf-8")
    try:
        assert lint(monkeypatch) == 1
    finally:
        module.unlink()
    report = capsys.readouterr().out
    assert f"{contract}" in report and "BROKEN" in report and "_planted_violation" in report
