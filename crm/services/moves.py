"""Where a customer says they are now ("I moved to Chengdu last month", "I'm based in Nanjing these days", "我搬家了，
现在住在南京", "我调到深圳工作了"): the place, read as their new city. Words: moves.yaml beside this file."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from crm.data_files import read_yaml

_FILE = Path(__file__).with_name("moves.yaml")
_CLAUSE = re.compile(r"[,，;；。!！?？]")
# An English place: its capitalised words ("New York", "Chengdu"); one word in lower case when nothing of the
# sentence follows it ("i moved to nanjing")
_EN_PLACE = re.compile(r"([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,2})|([a-z][\w'-]+)(?=\s*$|\s+(?:last|this|in|since|a|an|"
                       r"recently|now|these|ago|for|from|already|and|so)\b)")
_ZH_PLACE = r"([\u4e00-\u9fff]{2,6}?)市?"


@cache
def _words() -> dict:
    return read_yaml(_FILE)


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    words = _words()
    alt = lambda items: "|".join(re.escape(w) for w in sorted(items, key=len, reverse=True))  # noqa: E731
    speaker = rf"(?<![\w'])(?:{alt(words['en']['speaker'])})(?![\w'])"
    en = re.compile(rf"{speaker}[^,.;!?]{{0,40}}?(?<![\w'])(?:{alt(words['en']['before'])})\s+(?:the city of\s+)?", re.I)
    zh = re.compile(rf"(?:{alt(words['zh']['before'])})(?:了)?")
    after = re.compile(rf"{_ZH_PLACE}(?=(?:{alt(words['zh']['after'])})|\s*$)")
    at = re.compile(rf"(?:{alt(words['zh']['at'])}){_ZH_PLACE}(?=(?:{alt(words['zh']['at_after'])}))")
    return en, zh, after, at


def moved_to(text: str) -> str | None:
    """The place a sentence says the speaker is now in, or None ("I moved to a new office" names none)."""
    en, zh, after, at = _patterns()
    for clause in _CLAUSE.split(text):
        found = en.search(clause)
        place = _EN_PLACE.match(clause[found.end():]) if found else None
        if place and place.group(1) and place.group(1).split()[0].lower() not in ("a", "an", "the", "my", "our"):
            return place.group(1)
        if place and place.group(2) and place.group(2).lower() not in _words()["en"]["not_a_place"]:
            return place.group(2)
        zh_places = [after.match(clause[f.end():].strip()) for f in zh.finditer(clause)] + list(at.finditer(clause))
        for place in zh_places:
            if place and not any(w in place.group(1) for w in _words()["zh"]["not_a_place"]):
                return place.group(1)
    return None
