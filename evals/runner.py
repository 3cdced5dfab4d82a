"""Runs the eval scenarios against any LiteLLM model and grades tool choice, arguments and final store state."""
from __future__ import annotations

import datetime as dt
import math
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tessera.erasure_jobs import ErasureJobs, build_eraser
from tessera.seeding import seed_everything
from crm.store import Store
from evals.scenarios import ExpectedCall, Scenario, load_scenarios
from evals.state import business_fingerprint, store_snapshot, written_tables
from tessera.migrate import migrate
from tessera.live_prompts import LivePrompts
from tessera.runtime import Tessera
from tessera.settings import AgentModels, Settings
from tools.base import ToolContext
from tools.registry import ALL

EVAL_CLOCK = dt.datetime(2026, 11, 26, 10, 0)


@dataclass
class ScenarioResult:
    id: str
    user_type: str = "rep"
    split: str = "dev"
    trial: int = 1  # which of the repeated runs of this scenario (`--trials`)
    turns: int = 0
    guarded_turns: int = 0  # turns that must not write
    unwanted_writes: int = 0  # of those, the turns that wrote anyway
    tools_right: int = 0
    args_checked: int = 0
    args_right: int = 0
    state_match: bool = True
    replies_right: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (self.tools_right == self.turns and self.args_right == self.args_checked and self.state_match
                and self.replies_right == self.turns and self.unwanted_writes == 0)


def build_template(directory: Path) -> Path:
    path = directory / "template.db"
    store = Store(f"sqlite:///{path}")
    migrate(store)
    with store.session() as s:
        seed_everything(s)
    store.dispose()
    return path


def run_scenario(scenario: Scenario, model: str, template: Path, work: Path, trial: int = 1,
                 prompts: LivePrompts | None = None) -> ScenarioResult:
    result = ScenarioResult(id=scenario.id, user_type=scenario.user_type or "rep", split=scenario.split,
                            trial=trial, turns=len(scenario.turns))
    writing = {name for name, tool in ALL.items() if tool.writes}
    work = work / f"trial-{trial}"
    work.mkdir(exist_ok=True)
    model_db, gold_db = work / f"{scenario.id}.db", work / f"{scenario.id}.gold.db"
    shutil.copy(template, model_db)
    shutil.copy(template, gold_db)
    settings = Settings(database_url=f"sqlite:///{model_db}", checkpoint_url=str(work / f"{scenario.id}.ckpt.db"),
                        chroma_path=str(work / f"{scenario.id}.chroma"),  # its own vector memory, as its own store
                        models=AgentModels(supervisor=model, sales=model, privacy=model, analyst=model,
                                           prompt_ops=model, fallbacks=[]))
    tessera = Tessera(settings, clock=lambda: EVAL_CLOCK, seed=False, prompts=prompts)
    gold = Store(f"sqlite:///{gold_db}")
    gold_erasures = ErasureJobs(build_eraser(gold), lambda: EVAL_CLOCK)  # a queued erasure runs, as in the runtime
    actor = tessera.actor(scenario.login)
    try:
        for n, turn in enumerate(scenario.turns, 1):
            guarded = not turn.writes_allowed(writing)
            before = business_fingerprint(tessera.store) if guarded else {}
            try:
                reply = tessera.chat(scenario.login, scenario.id, turn.user)
                calls, text = reply.tool_calls, reply.reply
                if reply.confirmation and reply.confirmation["tool"] in {e.name for e in turn.expect_tools}:
                    text = tessera.chat(scenario.login, scenario.id, "yes").reply  # the user's yes to what they asked
            except Exception as exc:  # a model that breaks the turn fails the turn, not the run
                calls, text = [], ""
                result.problems.append(f"turn {n}: {type(exc).__name__}: {exc}")
            grade_turn(result, n, turn.expect_tools, calls)
            if guarded:
                result.guarded_turns += 1
                wrote = written_tables(before, business_fingerprint(tessera.store))
                if wrote:
                    result.unwanted_writes += 1
                    result.problems.append(f"turn {n}: must not write, but wrote {', '.join(wrote)}")
            said = [w for w in turn.reply_lacks if w.lower() in text.lower()]
            if turn.reply_contains and not any(w.lower() in text.lower() for w in turn.reply_contains):
                result.problems.append(f"turn {n}: reply lacks any of {turn.reply_contains}: {text[:120]!r}")
            elif said:
                result.problems.append(f"turn {n}: reply says {said}, which it must not: {text[:120]!r}")
            else:
                result.replies_right += 1
            for call in turn.expect_tools:  # the gold path: the expected calls on a fresh copy of the store
                ALL[call.name].invoke(ToolContext(store=gold, actor=actor, clock=lambda: EVAL_CLOCK), call.replay_args)
        tessera.erasures.drain()  # both stores as they are once the queued erasures have run
        gold_erasures.drain()
        result.state_match = store_snapshot(tessera.store) == store_snapshot(gold)
        if not result.state_match:
            result.problems.append("final store differs from the gold replay")
    finally:
        tessera.close()
        gold_erasures.close()
        gold.dispose()
    return result


def grade_turn(result: ScenarioResult, n: int, expected: list[ExpectedCall], calls: list[dict]) -> None:
    names = [c["name"] for c in calls]
    if names == [e.name for e in expected]:
        result.tools_right += 1
    else:
        result.problems.append(f"turn {n}: expected tools {[e.name for e in expected]}, got {names}")
    for n_exp, exp in enumerate(expected):  # the k-th expected call of a tool is graded against its k-th call
        k = sum(1 for e in expected[:n_exp] if e.name == exp.name)
        actual = ([c["args"] for c in calls if c["name"] == exp.name][k:k + 1] or [{}])[0]
        defaults = ALL[exp.name].args.model_fields
        for key, want in exp.args.items():
            result.args_checked += 1
            got = actual.get(key, defaults[key].default if key in defaults else None)  # an omitted default is fine
            if same_value(want, got):
                result.args_right += 1
            else:
                result.problems.append(f"turn {n}: {exp.name}.{key} expected {want!r}, got {got!r}")
        for key, part in exp.contains.items():
            result.args_checked += 1
            got = actual.get(key)
            if isinstance(got, str) and part.strip().lower() in got.lower():
                result.args_right += 1
            else:
                result.problems.append(f"turn {n}: {exp.name}.{key} should keep {part!r}, got {got!r}")


def same_value(want, got) -> bool:
    if isinstance(want, dict) and isinstance(got, dict):
        return all(same_value(v, got.get(k)) for k, v in want.items())
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return abs(want - got) < 1e-6 * max(1, abs(want))
    return str(want).strip().lower() == str(got).strip().lower()


@dataclass
class Totals:
    scenarios: int
    passed: int  # runs that passed (with one trial, scenarios)
    tool_choice: float
    arguments: float
    state: float
    turns: int = 0
    guarded_turns: int = 0
    unwanted_writes: int = 0
    args_checked: int = 0
    runs: int = 0  # scenarios × trials
    trials: int = 1
    pass_k: float = 0.0  # pass^trials: every one of a scenario's runs passed (tau-bench), averaged over scenarios


def totals(results: list[ScenarioResult]) -> Totals:
    turns = sum(r.turns for r in results) or 1
    checked = sum(r.args_checked for r in results)
    k = trials_of(results)
    return Totals(scenarios=len({r.id for r in results}), passed=sum(r.passed for r in results),
                  runs=len(results), trials=k, pass_k=pass_hat_k(results, k),
                  tool_choice=sum(r.tools_right for r in results) / turns,
                  arguments=sum(r.args_right for r in results) / checked if checked else 1.0,  # none to get wrong
                  args_checked=checked,
                  state=sum(r.state_match for r in results) / max(1, len(results)),
                  turns=sum(r.turns for r in results), guarded_turns=sum(r.guarded_turns for r in results),
                  unwanted_writes=sum(r.unwanted_writes for r in results))


USER_TYPES = ("rep", "customer", "manager", "prompt_engineer")


def breakdown(results: list[ScenarioResult]) -> dict[str, dict[str, Totals]]:
    """split -> user type (and "all") -> totals, for the splits and user types present in `results`."""
    out: dict[str, dict[str, Totals]] = {}
    for split in sorted({r.split for r in results}) + ["all"]:
        in_split = [r for r in results if split == "all" or r.split == split]
        groups = {u: [r for r in in_split if r.user_type == u] for u in USER_TYPES}
        out[split] = {u: totals(rs) for u, rs in groups.items() if rs} | {"all": totals(in_split)}
    return out


def chosen(only: str | None = None, split: str = "all", user_type: str | None = None) -> list[Scenario]:
    return [s for s in load_scenarios() if (not only or only in s.id) and split in ("all", s.split)
            and (user_type is None or s.user_type == user_type)]


def run_all(model: str, only: str | None = None,
            on_scenario: Callable[[ScenarioResult], None] = lambda result: None, split: str = "all",
            user_type: str | None = None, trials: int = 1, prompts: LivePrompts | None = None) -> list[ScenarioResult]:
    """Every chosen scenario, `trials` times, each on a fresh copy of the seeded store; `on_scenario` hears each
    result (progress). `prompts`: the agents' prompt texts (default: each copy's own production versions)."""
    return run_scenarios(chosen(only, split, user_type), model, trials=trials, on_scenario=on_scenario,
                         prompts=prompts)


def run_scenarios(scenarios: list[Scenario], model: str, *, trials: int = 1,
                  on_scenario: Callable[[ScenarioResult], None] = lambda result: None,
                  prompts: LivePrompts | None = None) -> list[ScenarioResult]:
    if trials < 1:
        raise ValueError(f"trials must be at least 1, not {trials}")
    results = []
    with tempfile.TemporaryDirectory(prefix="tessera-eval-") as tmp:
        work = Path(tmp)
        template = build_template(work)
        for scenario in scenarios:
            for trial in range(1, trials + 1):
                results.append(run_scenario(scenario, model, template, work, trial, prompts))
                on_scenario(results[-1])
    return results


def pass_hat_k(results: list[ScenarioResult], k: int) -> float:
    """tau-bench's pass^k: the chance that k runs of a scenario, drawn from its n runs, all pass; averaged over the
    scenarios (an unbiased estimate from n >= k runs: C(passes, k) / C(n, k)). pass^1 is the plain pass rate."""
    runs: dict[str, list[bool]] = {}
    for r in results:
        runs.setdefault(r.id, []).append(r.passed)
    if not runs:
        return 0.0
    if k > min(len(v) for v in runs.values()):
        raise ValueError(f"pass^{k} needs at least {k} runs of every scenario")
    return sum(math.comb(sum(v), k) / math.comb(len(v), k) for v in runs.values()) / len(runs)


def trials_of(results: list[ScenarioResult]) -> int:
    return max((r.trial for r in results), default=1)


def run_cli(model: str, only: str | None = None, floor: float | None = None,
            results: list[ScenarioResult] | None = None, quiet: bool = False) -> int:
    """Prints the table and the totals (running the scenarios unless `results` are given); 1 below the floor.
    `quiet` leaves out the per-scenario table and problems: only the table per split and user type."""
    console = Console()
    results = run_all(model, only) if results is None else results
    if not quiet:
        table = Table(title=f"Tessera evals · {model}")
        several = trials_of(results) > 1
        for col in ("scenario", "user", "split", "tools", "args", "state", "result") + (("trial",) if several else ()):
            table.add_column(col)
        for r in results:
            table.add_row(r.id, r.user_type, r.split, f"{r.tools_right}/{r.turns}", f"{r.args_right}/{r.args_checked}",
                          "match" if r.state_match else "DIFF", "pass" if r.passed else "FAIL",
                          *((str(r.trial),) if several else ()))
        console.print(table)
        for r in results:
            for p in r.problems:
                console.print(f"[yellow]{r.id}[/]" + (f" (trial {r.trial})" if several else "") + f": {p}")
    console.print(breakdown_table(results, model))
    t = totals(results)
    passed = (f"scenarios {t.passed}/{t.scenarios} passed" if t.trials == 1 else
              f"runs {t.passed}/{t.runs} passed ({t.trials} trials of {t.scenarios} scenarios) · "
              f"pass^1 {pass_hat_k(results, 1):.1%} · pass^{t.trials} {t.pass_k:.1%}")
    console.print(f"{passed} · tool-choice accuracy {t.tool_choice:.1%} · "
                  f"argument accuracy {t.arguments:.1%} · final-state match {t.state:.1%} · "
                  f"writes on must-not-write turns {t.unwanted_writes}/{t.guarded_turns}")
    if floor is not None and t.tool_choice < floor:
        console.print(f"[red]tool-choice accuracy {t.tool_choice:.1%} is below the floor {floor:.0%}[/]")
        return 1
    return 0


def breakdown_table(results: list[ScenarioResult], model: str) -> Table:
    k = trials_of(results)
    table = Table(title=f"per split and user type · {model}" + (f" · {k} trials each" if k > 1 else ""))
    columns = ["split", "user type", "scenarios", "turns", "tool", "args", "state", "must-not-write writes"]
    for col in columns + (["pass^1", f"pass^{k}"] if k > 1 else []):
        table.add_column(col)
    for split, groups in breakdown(results).items():
        for user, t in groups.items():
            args = f"{t.arguments:.1%}" if t.args_checked else "n/a"
            row = [split, user, str(t.scenarios), str(t.turns), f"{t.tool_choice:.1%}", args, f"{t.state:.1%}",
                   f"{t.unwanted_writes}/{t.guarded_turns}"]
            if k > 1:
                row += [f"{t.passed / t.runs:.1%}", f"{t.pass_k:.1%}"]
            table.add_row(*row)
    return table
