"""The default scorecard (scorecard.yaml): which metrics answer "how is my team doing", and which are offered when a
question names no metric. Declared as data and checked against the catalog when read."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from crm.data_files import read_yaml
from crm.metrics.catalog import Catalog, default_catalog
from crm.metrics.periods import COMPARISONS

HERE = Path(__file__).resolve().parent
MOST_METRICS = 4  # what one query (and one sentence) carries


@dataclass(frozen=True)
class Scorecard:
    metrics: tuple[str, ...]
    compare_to: str | None
    period: dict
    offered: tuple[str, ...]


def load_scorecard(path: Path, catalog: Catalog) -> Scorecard:
    data = read_yaml(path) or {}
    card = Scorecard(metrics=tuple(data.get("metrics") or ()), compare_to=data.get("compare_to"),
                     period=dict(data.get("period") or {}), offered=tuple(data.get("offered") or ()))
    unknown = [m for m in (*card.metrics, *card.offered) if m not in catalog.metrics]
    if unknown:
        raise ValueError(f"{path.name}: no metric named {', '.join(unknown)}; the metrics are in definitions/")
    if not 1 <= len(card.metrics) <= MOST_METRICS:
        raise ValueError(f"{path.name}: a scorecard has 1 to {MOST_METRICS} metrics, not {len(card.metrics)}")
    if card.compare_to is not None and card.compare_to not in COMPARISONS:
        raise ValueError(f"{path.name}: compare_to is one of {', '.join(COMPARISONS)}")
    return card


@cache
def default_scorecard() -> Scorecard:
    return load_scorecard(HERE / "scorecard.yaml", default_catalog())
