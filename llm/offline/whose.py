"""Whose figures or records a sentence asks about, resolved later from who asks: "my region", "我们区", "my team",
"我的团队", "my top 3 reps" (the asker's units), "my win rate", "我这个季度赢了多少" (the asker's own). The words live in
metric_terms.yaml (`mine`)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from crm.data_files import read_yaml


def _either(words: list[str]) -> str:
    return "|".join(rf"(?<![a-z]){w}(?![a-z])" if w.isascii() else w for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def mine_patterns() -> dict[str, re.Pattern]:
    """Patterns in the order they are read: `region`, `unit`, `team` (group 1 is the possessive alone: the people
    after it still group), `me`."""
    words = read_yaml(Path(__file__).with_name("metric_terms.yaml"))["mine"]
    return {"region": re.compile(_either(words["region"]), re.I), "unit": re.compile(_either(words["unit"]), re.I),
            "team": re.compile(rf"({_either(words['team_possessive'])})\s*(?:{_either(words['team_people'])})", re.I),
            "me": re.compile(_either(words["me"]), re.I), "we": re.compile(_either(words["we"]), re.I)}


def own_units(text: str) -> str | None:
    """The words of `text` that name the asker's own units or region ("my team", "我们区"), or None."""
    for name in ("region", "unit", "team"):
        found = mine_patterns()[name].search(text)
        if found:
            return found.group(0)
    return None


def our_side(text: str) -> str | None:
    """The words of `text` that name the asker's side ("we", "our", "我们"), or None: for records listed, the asker's team."""
    found = mine_patterns()["we"].search(text)
    return found.group(0) if found else None
