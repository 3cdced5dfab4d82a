"""A trained deal-score model as plain arrays, which is all that scoring needs. It is saved next to the model, so a
worker loads and scores with NumPy alone. scikit-learn and SciPy (about 1.5 s to import and 100 MB) are loaded only
to train a model, or to read a model saved before this file existed."""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crm.scoring.features import LABELS, NUMERIC, DealRow

LINEAR_FILE = "deal_scores_linear.json"


@dataclass
class LinearScores:
    """The pipeline's arithmetic: the scaler's centre and scale, the encoder's products, the regression's weights,
    applied in the pipeline's order, so the numbers are the same (tests/test_deal_scores.py checks every seeded
    deal against scikit-learn). Each factor is measured from the mean of the training rows."""

    mean: np.ndarray
    scale: np.ndarray
    products: dict[str, int]
    coef: np.ndarray
    intercept: np.ndarray
    features: list[str]  # the feature of each matrix column ("product" for each product's column)
    training_mean: np.ndarray
    product_names: dict[str, tuple[str, str]] = field(default_factory=dict)  # product id -> (name, 中文名)
    trained_at: str = ""

    def matrix(self, rows: list[DealRow]) -> np.ndarray:
        """What the column transformer gives: scaled numeric columns, then one column per known product."""
        numeric = np.array([[r.features[c] for c in NUMERIC] for r in rows], dtype=np.float64)
        numeric -= self.mean
        numeric /= self.scale
        products = np.zeros((len(rows), len(self.products)), dtype=np.float64)
        for i, row in enumerate(rows):
            column = self.products.get(str(row.features["product"]))
            if column is not None:  # a product the training never saw counts as none (handle_unknown="ignore")
                products[i, column] = 1.0
        return np.hstack([numeric, products])

    def probabilities(self, z: np.ndarray) -> np.ndarray:
        """LogisticRegression.predict_proba's positive column: the logistic of z·w + b (as SciPy's expit takes it,
        1 / (1 + e^-x), with the C library's exp)."""
        return np.array([1.0 / (1.0 + math.exp(-x)) for x in (z @ self.coef.T + self.intercept).reshape(-1)])

    def scored(self, rows: list[DealRow], lang: str = "en", explain: bool = True) -> list[tuple[float, list | None]]:
        """Each row's win probability and (with `explain`) its factors, the rows transformed once for both."""
        if not rows:
            return []
        z = self.matrix(rows)
        return [(float(p), self.factors(row, zrow, lang) if explain else None)
                for row, zrow, p in zip(rows, z, self.probabilities(z))]

    def factors(self, row: DealRow, z: np.ndarray, lang: str = "en", top: int = 3) -> list[dict]:
        """The factors that moved this deal's log-odds most, each with its direction and value."""
        parts: dict[str, float] = {}
        for feature, coef, value, centre in zip(self.features, self.coef[0], z, self.training_mean):
            parts[feature] = parts.get(feature, 0.0) + float(coef * (value - centre))
        ranked = sorted(parts.items(), key=lambda kv: -abs(kv[1]))[:top]
        i = 1 if lang == "zh" else 0
        return [{"factor": LABELS[f][i], "effect": ("+" if c > 0 else "−") + f"{abs(c):.2f}",
                 "value": self._shown(f, row.features[f], i)} for f, c in ranked]

    def _shown(self, feature: str, value, lang_index: int) -> str:
        if feature == "product":
            return self.product_names.get(value, (value, value))[lang_index]
        return shown(feature, value)

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LINEAR_FILE
        partial = path.with_suffix(f".{os.getpid()}.part")  # several workers may save at once: replace whole
        partial.write_text(json.dumps({
            "mean": self.mean.tolist(), "scale": self.scale.tolist(), "products": self.products,
            "coef": self.coef.tolist(), "intercept": self.intercept.tolist(), "features": self.features,
            "training_mean": self.training_mean.tolist(), "product_names": self.product_names,
            "trained_at": self.trained_at}, ensure_ascii=False))
        os.replace(partial, path)
        return path

    @staticmethod
    def load(folder: Path) -> LinearScores | None:
        path = Path(folder) / LINEAR_FILE
        if not path.exists():
            return None
        d = json.loads(path.read_text())
        return LinearScores(mean=np.array(d["mean"]), scale=np.array(d["scale"]), products=d["products"],
                            coef=np.array(d["coef"]), intercept=np.array(d["intercept"]), features=d["features"],
                            training_mean=np.array(d["training_mean"]),
                            product_names={k: tuple(v) for k, v in d["product_names"].items()},
                            trained_at=d["trained_at"])


def shown(feature: str, value) -> str:
    if feature in ("discount", "account_late_share", "rep_win_rate"):
        return f"{value:.0%}"
    if feature == "log_amount":
        return f"{10 ** value:,.0f}"
    if feature == "competitor":
        return "yes" if value else "no"
    return str(value)
