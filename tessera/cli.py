"""The `tessera` command: one Typer app. Each capability adds its commands from its own adapter module through one
hook, a `register(app)` function listed under `[project.entry-points."tessera.commands"]` in pyproject.toml, so this
module never imports a capability and the layers stay as they are (see the README, "How it is built")."""
from __future__ import annotations

import logging
from importlib.metadata import entry_points

import typer

from tessera.cli_kit import CliState, CommandGroup, JsonOption, LogLevelOption

HOOKS = "tessera.commands"
HELP = """Tessera, the AI-native CRM assistant.

Every group has its own --help, e.g. `tessera units --help`.

Tables by default, `--json` for scripts. Errors go to stderr: exit code 2 for bad usage or configuration, 1 for a failure.

Settings come from TESSERA_* environment variables or tessera.toml (see the README's configuration table)."""


def root(tessera_ctx: typer.Context, tessera_log_level: LogLevelOption = None,
         tessera_json: JsonOption = False) -> None:
    state = tessera_ctx.ensure_object(CliState)
    tessera_ctx.call_on_close(state.close)
    logging.basicConfig(format="%(asctime)s %(name)s %(levelname)s %(message)s", level=logging.WARNING)
    state.apply(tessera_log_level, tessera_json)


def build_app() -> typer.Typer:
    """The root app with every registered capability's commands."""
    app = CommandGroup(name="tessera", help=HELP, callback=root)
    for hook in sorted(entry_points(group=HOOKS), key=lambda ep: ep.name):
        hook.load()(app)
    return app


app = build_app()


def main() -> None:
    app(prog_name="tessera")


if __name__ == "__main__":
    main()
