"""The win-probability model: logistic regression over the deal features, trained on closed deals with a
time-based holdout (the newest closed deals are the test set), evaluated by AUC, Brier score and a calibration
table, and explaining each score by its largest contributions to the log-odds."""
from __future__ import annotations

import datetime as dt
import math
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Product

from crm.scoring.features import CATEGORICAL, NUMERIC, DealRow, deal_rows, load_history
from crm.scoring.linear import LinearScores

HOLDOUT_SHARE = 0.2  # the newest fifth of closed deals, by close date
CALIBRATION_BINS = (0.0, 0.3, 0.4, 0.5, 0.6, 1.0)
MODEL_FILE = "deal_scores.pkl"
MIN_TRAINING_DEALS = 50
C = 0.1  # strong shrinkage: with little signal (the demo has none) scores stay near the base rate


@dataclass
class ScoreReport:
    trained_on: int
    tested_on: int
    cutoff: str  # deals closed after this day are the holdout
    base_rate: float
    auc: float
    brier: float
    brier_base_rate: float  # the Brier score of always predicting the training win rate
    calibration: list[dict] = field(default_factory=list)
    coefficients: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return self.__dict__.copy()


@dataclass
class DealScoreModel:
    pipeline: Pipeline
    report: ScoreReport
    trained_at: str
    product_names: dict[str, tuple[str, str]] = field(default_factory=dict)  # product id -> (name, 中文名)

    def probabilities(self, rows: list[DealRow]) -> np.ndarray:
        return self.linear.probabilities(self.linear.matrix(rows)) if rows else np.zeros(0)

    def scored(self, rows: list[DealRow], lang: str = "en", explain: bool = True) -> list[tuple[float, list | None]]:
        return self.linear.scored(rows, lang, explain)

    def explain(self, row: DealRow, lang: str = "en", top: int = 3) -> list[dict]:
        """The factors that moved this deal's log-odds most, each with its direction and value."""
        return self.linear.factors(row, self.linear.matrix([row])[0], lang, top)

    @property
    def linear(self) -> LinearScores:
        """The fitted pipeline as arrays (crm/scoring/linear.py), read from it at the first score."""
        linear = self.__dict__.get("_linear_form")
        if linear is None:
            linear = self.__dict__["_linear_form"] = _linear_form(self)
        return linear

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_linear_form"}

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / MODEL_FILE
        partial = path.with_suffix(f".{os.getpid()}.part")  # several workers may train at once: replace whole
        partial.write_bytes(pickle.dumps(self))
        os.replace(partial, path)
        self.linear.save(folder)  # what a worker loads to score, without scikit-learn
        return path

    @staticmethod
    def load(folder: Path) -> DealScoreModel | None:
        path = folder / MODEL_FILE
        return pickle.loads(path.read_bytes()) if path.exists() else None


def train(session: Session, today: dt.date, *, holdout_share: float = HOLDOUT_SHARE) -> DealScoreModel:
    """Fit on the older closed deals, evaluate on the newest, then refit on all closed deals for scoring."""
    closed = sorted(deal_rows(load_history(session), today, closed=True), key=lambda r: (r.closed_on, r.deal_id))
    if len(closed) < MIN_TRAINING_DEALS:
        raise ValueError(f"only {len(closed)} closed deals in the store; a deal score needs {MIN_TRAINING_DEALS}")
    split = int(len(closed) * (1 - holdout_share))
    older, newer = closed[:split], closed[split:]
    evaluated = _fit(older)
    y_test = np.array([r.won for r in newer], dtype=int)
    p_test = evaluated.predict_proba(_frame(newer))[:, 1]
    base = float(np.mean([r.won for r in older]))
    final = _fit(closed)
    names = feature_names(final.named_steps["prep"])
    report = ScoreReport(
        trained_on=len(older), tested_on=len(newer), cutoff=str(older[-1].closed_on), base_rate=round(base, 4),
        auc=round(float(roc_auc_score(y_test, p_test)), 4), brier=round(float(brier_score_loss(y_test, p_test)), 4),
        brier_base_rate=round(float(brier_score_loss(y_test, np.full(len(y_test), base))), 4),
        calibration=calibration_table(y_test, p_test),
        coefficients={n: round(float(c), 4) for n, c in zip(names, final.named_steps["logit"].coef_[0])})
    names = {str(p.id): (p.name, p.name_zh) for p in session.scalars(select(Product))}
    return DealScoreModel(pipeline=final, report=report, trained_at=today.isoformat(), product_names=names)


def calibration_table(y: np.ndarray, p: np.ndarray, bins: tuple[float, ...] = CALIBRATION_BINS) -> list[dict]:
    rows = []
    for low, high in zip(bins, bins[1:]):
        inside = (p >= low) & ((p < high) if high < 1.0 else (p <= high))
        n = int(inside.sum())
        rows.append({"bin": f"{low:.0%}–{high:.0%}", "deals": n,
                     "predicted": round(float(p[inside].mean()), 3) if n else None,
                     "observed": round(float(y[inside].mean()), 3) if n else None})
    return rows


def chance_auc_sd(positives: int, negatives: int) -> float:
    """The standard deviation of the AUC of a scorer with no information (Hanley & McNeil 1982, A = 0.5)."""
    return math.sqrt((positives + negatives + 1) / (12 * positives * negatives))


class _Prep(ColumnTransformer):
    """The column transformer, remembering the mean of its output on the training rows (for explanations)."""

    def fit_transform(self, X, y=None, **params):
        out = super().fit_transform(X, y, **params)
        self.training_mean_ = np.asarray(out).mean(axis=0)
        return out


def _fit(rows: list[DealRow]) -> Pipeline:
    numeric = list(range(len(NUMERIC)))
    categorical = list(range(len(NUMERIC), len(NUMERIC) + len(CATEGORICAL)))
    prep = _Prep([("num", StandardScaler(), numeric),
                  ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical)])
    pipeline = Pipeline([("prep", prep), ("logit", LogisticRegression(C=C, solver="liblinear", max_iter=500))])
    pipeline.fit(_frame(rows), np.array([r.won for r in rows], dtype=int))
    return pipeline


def _linear_form(model: DealScoreModel) -> LinearScores:
    prep, logit = model.pipeline.named_steps["prep"], model.pipeline.named_steps["logit"]
    scaler, encoder = prep.named_transformers_["num"], prep.named_transformers_["cat"]
    features = ["product" if n.startswith("product_") else n for n in feature_names(prep)]
    return LinearScores(mean=scaler.mean_, scale=scaler.scale_,
                        products={str(p): i for i, p in enumerate(encoder.categories_[0])},
                        coef=logit.coef_, intercept=logit.intercept_, features=features,
                        training_mean=prep.training_mean_, product_names=model.product_names,
                        trained_at=model.trained_at)


def _frame(rows: list[DealRow]) -> np.ndarray:
    """The rows as an object array, numeric columns first (the transformer picks columns by position)."""
    return np.array([[r.features[c] for c in (*NUMERIC, *CATEGORICAL)] for r in rows], dtype=object)


def feature_names(prep: ColumnTransformer) -> list[str]:
    """Names of the transformed columns: the numeric features, then product_<id> per known product."""
    products = prep.named_transformers_["cat"].categories_[0]
    return [*NUMERIC, *(f"product_{p}" for p in products)]
