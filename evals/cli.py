"""`tessera eval`: the scenarios against any LiteLLM model, with a progress bar, graded as in evals/runner.py."""
from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from tessera.cli_kit import current, emit, progress


def register(app: typer.Typer) -> None:
    app.command("eval", rich_help_panel="Measure")(run_eval)


def run_eval(model: Annotated[str, typer.Option(help="any LiteLLM model string")] = "tessera/offline",
             only: Annotated[str | None, typer.Option(help="run scenarios whose id contains this text")] = None,
             floor: Annotated[float | None, typer.Option(
                 min=0.0, max=1.0, help="exit 1 when tool-choice accuracy is below this, e.g. 0.9")] = None) -> int:
    """Run the eval scenarios against a model: tool choice, arguments and final store state."""
    from evals.runner import chosen, run_all, run_cli, totals

    scenarios = chosen(only)
    if not scenarios:
        raise LookupError(f"no scenario id contains '{only}'")
    with progress(f"evaluating {model}", total=len(scenarios)) as advance:
        results = run_all(model, only, on_scenario=lambda r: advance(r.id))
    if not current().json:
        return run_cli(model, only, floor, results=results)
    summary = totals(results)
    emit({"model": model, "totals": dataclasses.asdict(summary), "results": [
        {**dataclasses.asdict(r), "passed": r.passed} for r in results]})
    return 1 if floor is not None and summary.tool_choice < floor else 0
