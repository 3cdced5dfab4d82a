"""Which offered tool a message asks for: E5 similarity to each tool's example utterances plus word overlap."""
from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from llm.offline.embedder import embed_examples, embed_query
from llm.offline.replies import small_talk_examples
from llm.offline.schema import ToolView
from llm.offline.text import overlap_tokens

SMALL_TALK = ("__greeting__", "__thanks__", "__later__", "__unsupported__")
LATER = "__later__"  # a deferral or an acknowledgement ("我在开会，晚点说", "ok got it"): nothing asked yet
UNSUPPORTED = "__unsupported__"
W_BEST, W_TOP2, W_LEXICAL = 0.5, 0.5, 0.16


@dataclass(frozen=True)
class IntentScore:
    name: str
    score: float
    semantic: float
    lexical: float
    slots: float

    @property
    def is_small_talk(self) -> bool:
        return self.name in SMALL_TALK


@dataclass
class ToolIndex:
    """The example utterances of one set of offered tools, embedded, with their word statistics."""

    names: list[str]
    matrix: np.ndarray  # one row per example, L2-normalised
    owner: np.ndarray  # row -> index into names
    vocabulary: list[frozenset[str]]  # per tool: the words and concepts of all its examples
    idf: dict[str, float]
    kinds: dict[str, frozenset[str]] = field(default_factory=dict)  # per tool: entity kinds it takes or its examples name

    def idf_of(self, token: str) -> float:
        return self.idf.get(token, self.idf.get("", 1.0))


_indexes: dict[tuple, ToolIndex] = {}
_lock = threading.Lock()


def index_for(views: list[ToolView], unname: Callable[[str], str] = lambda text: text,
              kinds_named: Callable[[str], set[str]] = lambda text: set()) -> ToolIndex:
    """The index for these tools, built once per distinct tool set (agents offer the same set every turn).
    `unname` removes record names from example utterances, as from the user's message; it is part of the key."""
    key = (tuple((v.name, v.summary, v.examples) for v in views), unname, kinds_named)
    index = _indexes.get(key)
    if index is None:
        index = _build(views, unname, kinds_named)
        with _lock:
            if len(_indexes) > 64:
                _indexes.clear()
            _indexes[key] = index
    return index


def _build(views: list[ToolView], unname: Callable[[str], str], kinds_named: Callable[[str], set[str]]) -> ToolIndex:
    names, texts, owner = [], [], []
    talk = small_talk_examples()
    groups = [(v.name, list(v.examples) or [v.summary]) for v in views] + [(n, talk[n]) for n in SMALL_TALK]
    for i, (name, examples) in enumerate(groups):
        names.append(name)
        texts.extend(unname(e) for e in examples)
        owner.extend([i] * len(examples))
    tokens = [overlap_tokens(t) for t in texts]
    # IDF over tools, not examples: a word every tool's examples use tells tools apart least.
    tool_tokens: list[set[str]] = [set() for _ in names]
    for row, toks in enumerate(tokens):
        tool_tokens[owner[row]] |= toks
    df = Counter(tok for toks in tool_tokens for tok in toks)
    n = len(names)
    idf = {tok: math.log(1 + n / c) for tok, c in df.items()}
    idf[""] = math.log(1 + n)  # unseen words
    vocabulary = [frozenset(t) for t in tool_tokens]
    kinds = {v.name: frozenset({p.entity for p in v.params if p.entity}.union(*[kinds_named(e) for e in v.examples]))
             for v in views}
    return ToolIndex(names, embed_examples(texts), np.asarray(owner), vocabulary, idf, kinds)


def rank(index: ToolIndex, text: str, slot_fit: dict[str, float] | None = None,
         only: set[str] | None = None) -> list[IntentScore]:
    """Every tool (and the small-talk intents) scored for `text`, best first."""
    sims = index.matrix @ embed_query(text)
    msg_tokens = overlap_tokens(text)
    msg_weight = sum(index.idf_of(t) for t in msg_tokens) or 1.0
    scores = []
    for i, name in enumerate(index.names):
        if only is not None and name not in only:
            continue
        rows = np.flatnonzero(index.owner == i)
        if rows.size == 0:
            continue
        tool_sims = np.sort(sims[rows])[::-1]
        semantic = W_BEST * float(tool_sims[0]) + W_TOP2 * float(tool_sims[:2].mean())
        # Word overlap with the tool's examples taken together (one example may share "预计", another "金额").
        lexical = sum(index.idf_of(t) for t in msg_tokens & index.vocabulary[i]) / msg_weight
        fit = (slot_fit or {}).get(name, 0.0)
        scores.append(IntentScore(name, semantic + W_LEXICAL * lexical + fit, semantic, lexical, fit))
    return sorted(scores, key=lambda s: s.score, reverse=True)
