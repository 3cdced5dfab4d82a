"""`tessera eval`: the scenarios against any LiteLLM model, with a progress bar, graded as in evals/runner.py."""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Annotated

import typer

from tessera.cli_kit import current, emit, progress


class Split(str, enum.Enum):
    dev = "dev"
    test = "test"
    all = "all"


class UserType(str, enum.Enum):
    rep = "rep"
    customer = "customer"
    manager = "manager"
    prompt_engineer = "prompt_engineer"


def register(app: typer.Typer) -> None:
    app.command("eval", rich_help_panel="Measure")(run_eval)


def run_eval(model: Annotated[str, typer.Option(help="any LiteLLM model string")] = "tessera/offline",
             only: Annotated[str | None, typer.Option(help="run scenarios whose id contains this text")] = None,
             split: Annotated[Split, typer.Option(help="the frozen split: tune on dev, report test")] = Split.all,
             user_type: Annotated[UserType | None, typer.Option(help="only this user type's scenarios")] = None,
             quiet: Annotated[bool, typer.Option(help="only the table per split and user type (and, with --json, "
                                                      "no per-scenario results)")] = False,
             floor: Annotated[float | None, typer.Option(
                 min=0.0, max=1.0, help="exit 1 when tool-choice accuracy is below this, e.g. 0.9")] = None,
             answers: Annotated[bool, typer.Option(
                 help="also ask the manager questions graded on the answer against SQL (evals/answers/)")] = True,
             trials: Annotated[int, typer.Option(
                 min=1, max=20, help="run each scenario this many times and report pass^k as tau-bench does: the "
                                     "share of scenarios whose every run passed (for models that are not "
                                     "deterministic)")] = 1,
             record: Annotated[bool, typer.Option(
                 help="record the run against the prompt versions it used (`tessera prompts`, chat)")] = True) -> int:
    """Run the eval scenarios against a model: tool choice, arguments and final store state; and the manager
    questions graded on the answer against SQL (evals/answers/, same split)."""
    from evals.answers import load_questions, print_answers, run_answer_eval
    from evals.answers import summary as answer_summary
    from evals.runner import EVAL_CLOCK, breakdown, chosen, run_all, run_cli, totals

    who = user_type.value if user_type else None
    scenarios = chosen(only, split.value, who)
    if not scenarios:
        wanted = f"no scenario id contains '{only}'" if only else "no scenario"
        raise LookupError(f"{wanted} in split {split.value}" + (f" for user type {who}" if who else ""))
    prompts = None
    if record:  # the agents run the operator's production prompts, on copies of the demo store
        from tessera.live_prompts import LivePrompts

        prompts = LivePrompts(current().store())
    with progress(f"evaluating {model}", total=len(scenarios) * trials) as advance:
        results = run_all(model, only, on_scenario=lambda r: advance(r.id), split=split.value, user_type=who,
                          trials=trials, prompts=prompts)
    recorded = {}
    if prompts is not None:
        from evals.prompt_runs import record_run

        recorded = record_run(prompts, results, model=model, split=split.value,
                              now=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    graded = []
    if answers and only is None and who in (None, "manager"):
        chosen_split = None if split.value == "all" else split.value
        with progress("manager answers", total=len(load_questions(chosen_split))) as advance:
            graded = run_answer_eval(model, EVAL_CLOCK, chosen_split, on_question=lambda r: advance(str(r.id)))
    if not current().json:
        code = run_cli(model, only, floor, results=results, quiet=quiet)
        if recorded:
            print("recorded for " + ", ".join(f"{name} v{version}" for name, version in recorded.items()))
        if graded:
            from rich.console import Console

            print_answers(Console(), graded, quiet=quiet)
        return code
    summary = totals(results)
    out = {"model": model, "split": split.value, "totals": dataclasses.asdict(summary),
           "by_split": {sp: {u: dataclasses.asdict(t) for u, t in groups.items()}
                        for sp, groups in breakdown(results).items()}}
    if not quiet:
        out["results"] = [{**dataclasses.asdict(r), "passed": r.passed} for r in results]
    if graded:
        out["answers"] = answer_summary(graded)
    if recorded:
        out["recorded_for"] = recorded  # {prompt: version}: `tessera prompts`, and "how did the last eval score?"
    emit(out)
    return 1 if floor is not None and summary.tool_choice < floor else 0
