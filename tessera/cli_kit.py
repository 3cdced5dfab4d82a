"""What every `tessera` command shares: the global options in any position, one output convention (a Rich table,
or JSON with `--json`), errors on stderr (exit 2 for bad usage or configuration, 1 for a failure) and progress bars.

A capability makes its group with `CommandGroup(help=...)` and decorates commands with `@group.command()` exactly as
with Typer; then it adds the group to the root app in its `register(app)` hook (see tessera/cli.py).
"""
from __future__ import annotations

import functools
import inspect
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tessera.settings import Settings, SettingsError

if TYPE_CHECKING:
    from crm.store import Store
    from tessera.runtime import Tessera

T = TypeVar("T")
GLOBAL_PANEL = "Global options (anywhere on the line)"
# Failures a user can act on: printed as one line on stderr, exit 1. Anything else is a bug and shows its traceback.
EXPECTED_FAILURES = (LookupError, PermissionError, ValueError, FileNotFoundError)


class LogLevel(str, Enum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


@dataclass
class CliState:
    """One invocation's shared state (Typer's `ctx.obj`). Tests pass their own settings or running assistant."""

    settings_given: Settings | None = None
    tessera_given: Tessera | None = None
    json: bool = False
    log_level: LogLevel = LogLevel.warning
    _store: Store | None = None
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        if self.settings_given is None:
            self.settings_given = self.tessera_given.settings if self.tessera_given else Settings()
        return self.settings_given

    def runtime(self) -> Tessera:
        """The running assistant (store, checkpoints, vector memory, graph), opened once per invocation."""
        if self.tessera_given is None:
            from tessera.runtime import Tessera

            self.tessera_given = Tessera(self.settings)
            self._closers.append(self.tessera_given.close)
        return self.tessera_given

    def store(self, *, signing: bool = True) -> Store:
        """The CRM store, migrated; cheaper than `runtime()` for commands that need only the store. What a command
        writes to the audit log is signed like the server's writes (`signing=False`: a command that only reads the
        log, such as `audit verify`, and must not create a key)."""
        if self.tessera_given is not None:
            return self.tessera_given.store
        if self._store is None:
            from crm.store import Store
            from tessera.anchoring import anchor_store
            from tessera.migrate import migrate

            self._store = Store(self.settings.store_url)
            migrate(self._store)
            if signing:
                anchor_store(self._store, self.settings, seal=False)
            self._closers.append(self._store.dispose)
        return self._store

    def apply(self, log_level: LogLevel | None, as_json: bool) -> None:
        """Options given at a later position (the group, then the command) refine the earlier ones."""
        if log_level is not None:
            self.log_level = LogLevel(log_level)
            logging.basicConfig(format="%(asctime)s %(name)s %(levelname)s %(message)s")
            logging.getLogger().setLevel(self.log_level.value.upper())
        self.json = self.json or as_json

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()


_current: ContextVar[CliState] = ContextVar("tessera_cli_state")

LogLevelOption = Annotated[LogLevel | None, typer.Option(
    "--log-level", case_sensitive=False, help="how much to log: debug, info, warning (default) or error",
    rich_help_panel=GLOBAL_PANEL, show_default=False)]
JsonOption = Annotated[bool, typer.Option(
    "--json", help="print JSON for scripts instead of a table", rich_help_panel=GLOBAL_PANEL)]
GLOBAL_PARAMETERS = (
    inspect.Parameter("tessera_ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context),
    inspect.Parameter("tessera_log_level", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=LogLevelOption),
    inspect.Parameter("tessera_json", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=JsonOption),
)


def state_of(ctx: typer.Context) -> CliState:
    return ctx.ensure_object(CliState)


def group_options(tessera_ctx: typer.Context, tessera_log_level: LogLevelOption = None,
                  tessera_json: JsonOption = False) -> None:
    """The global options where a group takes them: `tessera edge --log-level info run`."""
    state_of(tessera_ctx).apply(tessera_log_level, tessera_json)


def with_global_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Adds --log-level and --json to a command, runs it with its state current, and turns expected failures into
    one line on stderr with exit code 1 (a returned non-zero int becomes the exit code)."""
    signature = inspect.signature(fn, eval_str=True)

    @functools.wraps(fn)
    def command(*args, tessera_ctx: typer.Context, tessera_log_level=None, tessera_json=False, **kwargs):
        state = state_of(tessera_ctx)
        state.apply(tessera_log_level, tessera_json)
        token = _current.set(state)
        try:
            result = fn(*args, **kwargs)
        except SettingsError as exc:
            fail(str(exc), code=2)
        except EXPECTED_FAILURES as exc:
            fail(str(exc) or type(exc).__name__)
        finally:
            _current.reset(token)
        if isinstance(result, int) and not isinstance(result, bool) and result:
            raise typer.Exit(result)

    command.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *GLOBAL_PARAMETERS])
    return command


class CommandGroup(typer.Typer):
    """A Typer sub-app whose group and commands all take the global options; `--help` without a command."""

    def __init__(self, **kwargs):
        kwargs.setdefault("no_args_is_help", True)
        kwargs.setdefault("callback", group_options)
        super().__init__(**kwargs)

    def command(self, name: str | None = None, **kwargs):
        register = super().command(name, **kwargs)

        def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
            register(with_global_options(fn))
            return fn

        return decorator


def current() -> CliState:
    """The state of the command being run (set by the command wrapper)."""
    return _current.get()


def settings() -> Settings:
    return current().settings


def fail(message: str, *, code: int = 1) -> None:
    """Stops the command: the message on stderr, then exit `code` (2: bad usage or configuration, 1: a failure)."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[red]error:[/red] {message}", markup=True)
    raise typer.Exit(code)


def bad_usage(message: str) -> None:
    fail(message, code=2)


def out() -> Console:
    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=200)


def emit(data: Any, table: Callable[[Any], Table | str | Iterable[Table | str]] | None = None) -> None:
    """The one output convention: JSON on stdout with --json; otherwise the table (or lines) made from the data."""
    if current().json or table is None:
        print(json.dumps(data, ensure_ascii=False, default=str))
        return
    shown = table(data)
    for part in (shown if isinstance(shown, (list, tuple)) else [shown]):
        if isinstance(part, str):
            print(part)  # plain text stays plain: no markup, no wrapping (a token must survive `$(...)`)
        else:
            out().print(part)


def make_table(title: str, columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("-" if v is None else str(v) for v in row))
    return table


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr (stdout stays clean for --json). Yields `advance(label=None)`, which counts one
    step, or `advance(label, done=n, total=m)` for work that reports where it is."""
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=False)
    with bar:
        task = bar.add_task(description, total=total)

        def advance(label: str | None = None, *, done: int | None = None, total: int | None = None) -> None:
            text = f"{description}: {label}" if label else description
            if done is None:
                bar.update(task, advance=1, description=text)
            else:
                bar.update(task, completed=done, total=total, description=text)

        yield advance


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    items = list(items) if total is None else items
    with progress(description, total=len(items) if total is None else total) as advance:
        for item in items:
            yield item
            advance()
