"""Running the `tessera` command in-process, as a user types it, against a test's settings or running assistant."""
from __future__ import annotations

from typer.testing import CliRunner, Result

from tessera.cli import app
from tessera.cli_kit import CliState


def run_cli(*args: str, settings=None, tessera=None) -> Result:
    """`tessera ARGS...`; the result has `exit_code`, `stdout` and `stderr`. Unexpected exceptions propagate."""
    state = CliState(settings_given=settings, tessera_given=tessera)
    return CliRunner().invoke(app, list(args), obj=state, catch_exceptions=False)
