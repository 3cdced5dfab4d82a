"""The order a list of records is asked in: "my biggest open deals" (amount), "which deal will most likely sign this
month" (win probability), "我哪些单子最快能成交" (close date). The cue words are the `list_order:` table of
synonyms.yaml, keyed by the order's value; the first cue said decides. An order read fills a `list_order` slot and
never makes a tool fit better: it says how to show records, not which records are asked for."""
from __future__ import annotations

import re
from functools import cache

from llm.offline.synonyms import list_order_words
from llm.offline.text import Found


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    out = []
    for value, words in list_order_words().items():
        alternatives = sorted(words, key=len, reverse=True)
        parts = [re.escape(w) if not w.isascii() else rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" for w in alternatives]
        out.append((value, re.compile("|".join(parts), re.I)))
    return tuple(out)


def find_orders(text: str, values: tuple[str, ...]) -> list[Found]:
    """Cues of an order among `values` (the tool's), first said first."""
    found = [Found(value, m.start(), m.end(), m.group(0))
             for value, pattern in _patterns() if value in values for m in pattern.finditer(text)]
    return sorted(found, key=lambda f: f.start)
