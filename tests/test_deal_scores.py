"""Deal scores: trained on the store's closed deals, evaluated on the newest ones, explained, shown in deal lists.

What the seed lets us demand. crm/seed/sales.py `_stage_at` closes a deal as won with probability WIN_RATE (0.42)
from its own coin, drawn independently of product, discount, activities, payments, owner and everything else; the
features cannot carry information about that coin unless one leaks the outcome. So on the seed the honest floor is
chance: the holdout AUC must lie within three standard deviations of 0.5 for a scorer with no information
(Hanley & McNeil; ~0.032 for the 333 holdout deals) -- below it the model is worse than a coin, above it a feature
leaks the outcome (say, the won deal's own order or payments) -- and the Brier score may be no worse than always
predicting the base rate by more than 0.005 (an overfit model would be). That the pipeline learns real signal is
checked on a copy of the seed whose outcomes are redrawn from a known logistic model of the same features: there
the AUC must come within 0.05 of the AUC of the true probabilities themselves (the best any model can do)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import random

import numpy as np

import pytest
from sklearn.metrics import roc_auc_score
from sqlalchemy import select, update

from crm.models import Deal
from crm.scoring.features import LABELS, deal_rows, load_history
from crm.scoring.model import HOLDOUT_SHARE, _frame, chance_auc_sd, feature_names, train
from crm.scoring.service import score_deals
from crm.seed.sales import WIN_RATE
from tests.cli_support import run_cli
from tessera.deal_scores import DealScores
from tests.conftest import FIXED_NOW, settings_for
from tools.base import ToolContext
from tools.registry import ALL

TODAY = FIXED_NOW.date()


@pytest.fixture(scope="module")
def seed_model(seeded_template):
    from crm.store import Store

    store = Store(f"sqlite:///{seeded_template}")
    with store.session() as s:
        model = train(s, TODAY)
    store.dispose()
    return model


def test_on_the_signal_free_seed_the_model_is_no_worse_than_chance_and_leaks_nothing(seed_model):
    r = seed_model.report
    assert abs(r.base_rate - WIN_RATE) < 0.03
    won = round(r.tested_on * r.base_rate)
    sd = chance_auc_sd(won, r.tested_on - won)
    assert 0.5 - 3 * sd <= r.auc <= 0.5 + 3 * sd, (r.auc, sd)
    assert r.brier <= r.brier_base_rate + 0.005
    assert r.tested_on == pytest.approx((r.trained_on + r.tested_on) * HOLDOUT_SHARE, abs=1)
    assert sum(row["deals"] for row in r.calibration) == r.tested_on


def pipeline_factors(model, row, lang="en", top=3) -> list[dict]:
    """The factors as scikit-learn's pipeline gives them: the row through the column transformer, then each
    column's coefficient times its distance from the training mean."""
    prep, logit = model.pipeline.named_steps["prep"], model.pipeline.named_steps["logit"]
    z = np.asarray(prep.transform(_frame([row])))[0]
    parts: dict[str, float] = {}
    for name, coef, value, centre in zip(feature_names(prep), logit.coef_[0], z, prep.training_mean_):
        feature = "product" if name.startswith("product_") else name
        parts[feature] = parts.get(feature, 0.0) + float(coef * (value - centre))
    ranked = sorted(parts.items(), key=lambda kv: -abs(kv[1]))[:top]
    return [{"factor": f, "effect": c} for f, c in ranked]


def test_every_seeded_deal_scores_and_is_explained_exactly_as_the_scikit_learn_pipeline_would(seed_model,
                                                                                             seeded_template):
    from crm.store import Store

    store = Store(f"sqlite:///{seeded_template}")
    with store.session() as s:
        history = load_history(s)
    store.dispose()
    rows = deal_rows(history, TODAY, closed=False) + deal_rows(history, TODAY, closed=True)
    unknown = dataclasses.replace(rows[0], features={**rows[0].features, "product": "no-such-product"})
    rows.append(unknown)  # a product the training never saw counts as none
    assert len(rows) > 1000
    assert np.array_equal(seed_model.probabilities(rows), seed_model.pipeline.predict_proba(_frame(rows))[:, 1])
    scored = seed_model.scored(rows, "zh")
    assert [p for p, _ in scored] == [float(p) for p in seed_model.pipeline.predict_proba(_frame(rows))[:, 1]]
    for row, (_, factors) in zip(rows[::25] + [unknown], scored[::25] + scored[-1:]):
        expected = pipeline_factors(seed_model, row)
        assert factors == seed_model.explain(row, "zh")
        assert [f["factor"] for f in seed_model.explain(row)] == [LABELS[f["factor"]][0] for f in expected]
        assert [f["effect"] for f in seed_model.explain(row)] == [
            ("+" if f["effect"] > 0 else "−") + f"{abs(f['effect']):.2f}" for f in expected]


def planted_logit(f: dict) -> float:
    """A known truth: discounts, recent touches and a strong owner help; a competitor hurts."""
    return (-0.3 + 12 * (f["discount"] - 0.08) - 1.2 * f["competitor"] - 0.006 * min(f["days_since_activity"], 365)
            + 0.6 * (f["product"] in {"1", "2", "3"}))


def test_on_outcomes_drawn_from_a_known_model_the_score_comes_close_to_the_best_possible(data_dir):
    from crm.store import Store

    store = Store(f"sqlite:///{data_dir / 'tessera.db'}")
    rng = random.Random(13)
    truth = {}
    with store.session() as s:
        for row in deal_rows(load_history(s), TODAY, closed=True):
            p = 1 / (1 + math.exp(-planted_logit(row.features)))
            truth[row.deal_id] = p
            s.execute(update(Deal).where(Deal.id == row.deal_id).values(stage="won" if rng.random() < p else "lost"))
    with store.session() as s:
        model = train(s, TODAY)
        closed = sorted(deal_rows(load_history(s), TODAY, closed=True), key=lambda r: (r.closed_on, r.deal_id))
        holdout = closed[model.report.trained_on:]
        best = roc_auc_score([r.won for r in holdout], [truth[r.deal_id] for r in holdout])
        print(f"planted: AUC {model.report.auc:.3f} (best possible {best:.3f}), Brier {model.report.brier:.4f} "
              f"(base rate {model.report.brier_base_rate:.4f})")
        assert model.report.auc >= best - 0.05, (model.report.auc, best)
        assert model.report.brier < model.report.brier_base_rate
        deal = max(holdout, key=lambda r: r.features["discount"])
        factors = model.explain(deal)
        assert len(factors) == 3 and "discount depth" in [f["factor"] for f in factors]
        effects = [abs(float(f["effect"].replace("−", "-"))) for f in factors]
        assert effects == sorted(effects, reverse=True)
    store.dispose()


def test_open_deals_in_a_list_carry_their_win_probability_and_closed_ones_none(tessera):
    ctx = ToolContext(store=tessera.store, actor=tessera.actor("li.wei"), clock=lambda: FIXED_NOW,
                      scores=tessera.deal_scores)
    listed = ALL["find_deals"].invoke(ctx, {"account": "Acme Robotics"})
    assert listed["ok"]
    for item in listed["items"]:
        if item["closed_on"] is None:
            assert item["win"].endswith("%") and 0 < int(item["win"][:-1]) < 100
        else:
            assert "win" not in item
    with tessera.store.session() as s:
        open_ids = [int(i["deal"][2:]) for i in listed["items"] if i["closed_on"] is None]
        scored = tessera.deal_scores.scores(s, open_ids, TODAY, lang="zh")
        closed = s.scalars(select(Deal.id).where(Deal.stage == "won").limit(3)).all()
        assert tessera.deal_scores.scores(s, list(closed), TODAY) == {}
    assert set(scored) == set(open_ids)
    assert all(len(v["factors"]) == 3 and v["factors"][0]["factor"] for v in scored.values())
    assert (tessera.settings.scores_folder / "deal_scores.pkl").exists()  # trained on first use, then kept


def test_models_train_prints_auc_brier_and_calibration_and_report_reads_it_back(data_dir):
    settings = settings_for(data_dir)
    missing = run_cli("models", "report", settings=settings)
    assert missing.exit_code == 1 and "tessera models train" in missing.stderr
    trained = run_cli("models", "train", "--today", "2026-11-26", settings=settings)
    assert trained.exit_code == 0, trained.stderr
    assert "AUC" in trained.stdout and "Brier" in trained.stdout and "calibration" in trained.stdout
    shown = run_cli("--json", "models", "report", settings=settings)
    report = json.loads(shown.stdout)
    assert {"auc", "brier", "brier_base_rate", "calibration", "trained_on", "tested_on"} <= set(report)
    assert report["trained_at"] == "2026-11-26" and 0 <= report["auc"] <= 1


def test_too_few_closed_deals_is_a_clear_failure_not_a_model(tmp_path):
    from crm.store import Store
    from tessera.migrate import migrate

    store = Store(f"sqlite:///{tmp_path / 'empty.db'}")
    migrate(store)
    with store.session() as s, pytest.raises(ValueError, match="closed deals"):
        train(s, TODAY)
    store.dispose()


def test_kept_scores_follow_a_touch_a_payment_and_a_retrain_written_elsewhere(tessera):
    """Scores are kept per set of deals while what their features read stands still: touches of the deal and
    instalments of its account committed through another engine (another worker) give the scores computed afresh
    from the rows at the next call, and a retrained model scores again."""
    from crm.models import Activity, Order, Payment
    from crm.store import Store

    with tessera.store.session() as s:
        deal = s.scalars(select(Deal).where(Deal.stage == "proposal").order_by(Deal.id)).first()
        deal_id, account_id, owner_id, product_id = deal.id, deal.account_id, deal.owner_id, deal.product_id

    def kept_and_fresh() -> tuple[dict, dict]:
        with tessera.store.session() as s:
            return (tessera.deal_scores.scores(s, [deal_id], TODAY, explain=False),
                    score_deals(s, tessera.deal_scores.model(), [deal_id], TODAY, explain=False))

    def elsewhere(*rows) -> None:
        other = Store(tessera.store.url)
        try:
            with other.session() as s:
                for row in rows:
                    s.add(row)
                    s.flush()
        finally:
            other.dispose()

    before, fresh = kept_and_fresh()
    assert before == fresh and before[deal_id]["win_probability"]  # and now kept
    elsewhere(*(Activity(account_id=account_id, deal_id=deal_id, user_id=owner_id, kind="call",
                         subject="competitor quoted lower", occurred_at=FIXED_NOW) for _ in range(20)))
    touched, fresh = kept_and_fresh()
    assert touched == fresh and touched != before
    elsewhere(Order(deal_id=deal_id, account_id=account_id, product_id=product_id, quantity=1, amount=1,
                    ordered_on=TODAY, promised_on=TODAY))
    with tessera.store.session() as s:
        order_id = s.scalar(select(Order.id).where(Order.deal_id == deal_id, Order.ordered_on == TODAY))
    elsewhere(*(Payment(order_id=order_id, amount=1, due_on=TODAY - dt.timedelta(days=100 + i), paid_on=None,
                        days_late=90, defaulted=True) for i in range(12)))
    unpaid, fresh = kept_and_fresh()
    assert unpaid == fresh and unpaid != touched
    model = tessera.deal_scores.retrain()  # the same rows, so the same numbers: what shows is that it is asked
    asked = []
    scored = model.linear.scored  # the arrays the workers score with (crm/scoring/linear.py)
    model.linear.scored = lambda *args, **kw: asked.append(args) or scored(*args, **kw)
    with tessera.store.session() as s:
        assert tessera.deal_scores.scores(s, [deal_id], TODAY, explain=False) == unpaid
        assert len(asked) == 1  # the new model scored the deal: nothing kept of the old one was reused
        tessera.deal_scores.scores(s, [deal_id], TODAY, explain=False)
        assert len(asked) == 1  # and then its scores are kept


def test_a_starting_worker_loads_the_saved_scores_without_scikit_learn_and_scores_as_the_model_does(seed_model,
                                                                                                   seeded_template,
                                                                                                   tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from crm.store import Store

    seed_model.save(tmp_path / "old")
    (tmp_path / "old" / "deal_scores_linear.json").unlink()  # a model saved before its arrays were
    store = Store(f"sqlite:///{seeded_template}")
    with store.session() as s:
        deal_id = s.scalars(select(Deal.id).where(Deal.stage == "proposal").limit(1)).one()
        expected = score_deals(s, seed_model.linear, [deal_id], TODAY)
    scores = DealScores(store, tmp_path / "old", lambda: FIXED_NOW)
    assert not scores.warm()  # only the pickled model: a worker does not load scikit-learn to start
    with store.session() as s:
        assert scores.scores(s, [deal_id], TODAY) == expected  # read once, and its arrays saved beside it
    store.dispose()
    assert (tmp_path / "old" / "deal_scores_linear.json").exists()

    worker = f"""
import datetime as dt, json, sys
from pathlib import Path
from crm.store import Store
from tessera.deal_scores import DealScores
store = Store("sqlite:///{seeded_template}")
scores = DealScores(store, Path("{tmp_path / 'old'}"), dt.datetime.now)
assert scores.warm()
with store.session() as s:
    found = scores.scores(s, [{deal_id}], dt.date.fromisoformat("{TODAY.isoformat()}"))
print(json.dumps({{"scores": {{str(k): v for k, v in found.items()}}, "sklearn": "sklearn" in sys.modules}}))
"""
    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", worker], capture_output=True, text=True, check=True, cwd=root,
                         env={**os.environ, "PYTHONPATH": root}).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert found == {"scores": {str(k): v for k, v in expected.items()}, "sklearn": False}
