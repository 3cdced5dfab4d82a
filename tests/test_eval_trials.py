"""pass^k as tau-bench reports it: a model that is not deterministic is run several times per scenario, and a
scenario counts only when every run passes; with one trial the eval reads as before."""
from __future__ import annotations

from evals.runner import ScenarioResult, pass_hat_k, run_scenarios, totals
from evals.scenarios import load_scenarios

ONE_SCENARIO = """
- id: cust-en-which-consents-trials
  persona: customer:cust.mark.taylor
  user_type: customer
  language: en
  description: a customer asks what they agreed to
  turns:
    - user: which consents have I given you?
      expect_tools:
        - name: my_consents
"""


def runs(*passed: bool, scenario: str = "s") -> list[ScenarioResult]:
    return [ScenarioResult(id=scenario, turns=1, tools_right=int(p), replies_right=1, trial=n)
            for n, p in enumerate(passed, 1)]


def test_pass_hat_k_is_the_chance_that_k_runs_drawn_from_n_all_pass():
    three_of_which_two_pass = runs(True, True, False)
    assert pass_hat_k(three_of_which_two_pass, 1) == 2 / 3
    assert pass_hat_k(three_of_which_two_pass, 2) == 1 / 3  # C(2,2) / C(3,2)
    assert pass_hat_k(three_of_which_two_pass, 3) == 0.0
    always = runs(True, True, True, scenario="t")
    assert pass_hat_k(three_of_which_two_pass + always, 3) == 0.5  # averaged over scenarios, not over runs


def test_a_model_that_passes_once_in_two_runs_scores_half_at_pass1_and_nothing_at_pass2(tmp_path, scripted):
    (tmp_path / "one.yaml").write_text(ONE_SCENARIO, encoding="utf-8")
    scripted.enqueue({"tool_calls": [{"name": "my_consents", "args": {}}]}, {"content": "Here are your consents."},
                     {"content": "I am not sure what you mean."})  # run 1 calls the tool, run 2 does not
    results = run_scenarios(load_scenarios(tmp_path), "scripted/llm", trials=2)
    assert [(r.trial, r.passed) for r in results] == [(1, True), (2, False)]
    summary = totals(results)
    assert (summary.scenarios, summary.runs, summary.passed, summary.trials) == (1, 2, 1, 2)
    assert summary.pass_k == 0.0 and pass_hat_k(results, 1) == 0.5
    assert not scripted.replies  # each run asked the model afresh, on its own copy of the store
