"""The deal-score model of this store, in one place: loaded from the scores folder as arrays (NumPy only: see
crm/scoring/linear.py), trained there on first use when none was saved (a few seconds, with scikit-learn),
retrained by `tessera models train`. A worker loads a saved model as it starts (`warm`)."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from typing import TYPE_CHECKING

from crm import data_versions
from crm.scoring.service import score_deals
from crm.store import Store

from crm.scoring.linear import LinearScores

if TYPE_CHECKING:  # scikit-learn and SciPy take seconds to import: only training (or an older saved model) needs them
    from crm.scoring.model import DealScoreModel

log = logging.getLogger("tessera.scores")
REPORT_FILE = "deal_scores_report.json"
# what a deal's features are computed from (crm/scoring/features.py): its row and its owner's closed deals, the
# product's price, its touches, its account's instalments
FEATURE_TABLES = ("deals", "products", "activities", "orders", "payments")
KEPT_SCORES = 256  # sets of deals whose scores are kept (a list a rep asks again, a brief, a risk report)


class DealScores:
    def __init__(self, store: Store, folder: Path, clock: Callable[[], dt.datetime]):
        self.store, self.folder, self.clock = store, Path(folder), clock
        self._model: LinearScores | None = None
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple, tuple[tuple, dict[int, dict]]] = OrderedDict()  # (ids, day, lang, explain)
        self._trained = 0  # moves with each model trained here: scores kept of an older model are not reused

    def model(self) -> LinearScores | None:
        """The saved model, or one trained now; None when the store has too few closed deals to learn from."""
        with self._lock:
            if self._model is None:
                self._model = self._saved()
            if self._model is None:
                try:
                    self._model = self._train().linear
                except ValueError as exc:
                    log.info("no deal scores: %s", exc)
                    return None
            return self._model

    def warm(self) -> bool:
        """Loads a saved model now (a worker starting), so no turn pays for it; trains none. Whether one was."""
        with self._lock:
            if self._model is None:
                self._model = LinearScores.load(self.folder)
            return self._model is not None

    def retrain(self) -> DealScoreModel:
        with self._lock:
            model = self._train()
            self._model = model.linear
            self._trained += 1
            return model

    def _saved(self) -> LinearScores | None:
        found = LinearScores.load(self.folder)
        if found is None:  # a model saved before its arrays were: read it once (scikit-learn) and save them
            from crm.scoring.model import DealScoreModel

            model = DealScoreModel.load(self.folder)
            if model is not None:
                found = model.linear
                found.save(self.folder)
        return found

    def report(self) -> dict | None:
        path = self.folder / REPORT_FILE
        return json.loads(path.read_text()) if path.exists() else None

    def scores(self, session: Session, deal_ids: list[int], today: dt.date, *, lang: str = "en",
               explain: bool = True) -> dict[int, dict]:
        """The scores of these deals, kept per set of deals, day and language while the model and the tables the
        features read stand still (crm/data_versions.py: any write by any process moves their counters); a session
        that wrote one of them itself scores from its own rows."""
        model = self.model()
        if not model:
            return {}
        stamp = (*data_versions.versions(session, FEATURE_TABLES), self._trained)  # before the rows: data_versions
        if any(data_versions.wrote_in(session, t) for t in FEATURE_TABLES):
            return score_deals(session, model, deal_ids, today, lang=lang, explain=explain)
        key = (tuple(sorted(set(deal_ids))), today, lang, explain)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] == stamp:
                self._kept.move_to_end(key)
                return {deal: dict(score) for deal, score in kept[1].items()}
        found = score_deals(session, model, deal_ids, today, lang=lang, explain=explain)
        with self._lock:
            self._kept[key] = (stamp, found)
            while len(self._kept) > KEPT_SCORES:
                self._kept.popitem(last=False)
        return {deal: dict(score) for deal, score in found.items()}

    def _train(self) -> DealScoreModel:
        from crm.scoring.model import train

        with self.store.session() as s:
            model = train(s, self.clock().date())
        model.save(self.folder)
        partial = self.folder / f"{REPORT_FILE}.{os.getpid()}.part"
        partial.write_text(json.dumps({"trained_at": model.trained_at, **model.report.as_dict()}, ensure_ascii=False,
                                      indent=1))
        os.replace(partial, self.folder / REPORT_FILE)
        return model
