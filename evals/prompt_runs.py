"""An eval run recorded against the prompt versions it ran with (crm/prompt_registry/): for each user type in the
run, the supervisor's prompt and those of the specialists that user type reaches, at their production version."""
from __future__ import annotations

import dataclasses
import datetime as dt

from agents.routing import allowed_specialists
from crm.prompt_registry.service import record_eval
from evals.runner import ScenarioResult, breakdown
from tessera.live_prompts import LivePrompts


def prompts_used(results: list[ScenarioResult]) -> list[str]:
    """The prompts the run's user types reach: the supervisor's and their specialists'."""
    names = ["supervisor"]
    for user_type in sorted({r.user_type for r in results}):
        names += [a for a in allowed_specialists(user_type) if a not in names]
    return names


def record_run(prompts: LivePrompts, results: list[ScenarioResult], *, model: str, split: str,
               now: dt.datetime) -> dict[str, int]:
    """Records the run's figures per user type (of `split`, or of all) against each prompt version it used;
    returns {prompt: version}."""
    figures = breakdown(results).get(split if split != "all" else "all", {})
    per_user = {u: dataclasses.asdict(t) for u, t in figures.items() if u != "all"}
    used = prompts.versions(prompts_used(results))
    with prompts.store.session() as s:
        record_eval(s, used, model=model, split=split, figures=per_user, now=now)
    return used
