"""`tessera models train|report`: the deal-score model, retrained from the store's closed deals and evaluated on
the newest of them (AUC, Brier score, a calibration table)."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from tessera.cli_kit import CommandGroup, current, emit, fail, make_table

models = CommandGroup(help="The deal-score model: `models train` (retrain and evaluate), `models report`.")
Today = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD (default: today)")]


def register(app: typer.Typer) -> None:
    app.add_typer(models, name="models", rich_help_panel="Capabilities")


@models.command("train")
def train_model(today: Today = None) -> None:
    """Train the win-probability model on the closed deals (the newest fifth held out) and save it."""
    from tessera.deal_scores import DealScores

    state = current()
    clock = (lambda: today) if today else dt.datetime.now
    scores = DealScores(state.store(), state.settings.scores_folder, clock)
    try:
        scores.retrain()
    except ValueError as exc:
        fail(str(exc))
    emit(scores.report(), report_view)


@models.command("report")
def report() -> None:
    """The evaluation of the saved model: AUC and Brier score on the holdout, and the calibration table."""
    from tessera.deal_scores import DealScores

    state = current()
    found = DealScores(state.store(), state.settings.scores_folder, dt.datetime.now).report()
    if found is None:
        fail("no deal-score model has been trained here yet; run `tessera models train`")
    emit(found, report_view)


def report_view(r: dict):
    lead = (f"deal scores trained {r['trained_at']}: {r['trained_on']} closed deals to {r['cutoff']}, tested on the "
            f"{r['tested_on']} closed after it\nAUC {r['auc']:.3f} · Brier {r['brier']:.4f} (always the base rate "
            f"{r['base_rate']:.1%}: {r['brier_base_rate']:.4f})")
    calibration = make_table("calibration on the holdout", ("predicted", "deals", "mean predicted", "won"), [
        (row["bin"], row["deals"], _pct(row["predicted"]), _pct(row["observed"])) for row in r["calibration"]])
    strongest = sorted(r["coefficients"].items(), key=lambda kv: -abs(kv[1]))[:8]
    weights = make_table("strongest factors (log-odds per standard deviation)", ("factor", "weight"),
                         [(name, f"{value:+.3f}") for name, value in strongest])
    return [lead, calibration, weights]


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1%}"
