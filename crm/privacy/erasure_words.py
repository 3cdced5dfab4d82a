"""The places an erasure plan lists, named in the customer's language (the plan's English names are built where the
changes are found; the Chinese words are data, erasure_words.yaml)."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from crm.data_files import read_yaml

_FILE = Path(__file__).with_name("erasure_words.yaml")
_FIELDS = re.compile(r"^your ((?:[\w -]+, )*[\w -]+)$")
_TABLE_PHRASES = ((re.compile(r"^the text of your (\w+)$"), "您的{table}正文"),
                  (re.compile(r"^your values in your (\w+)$"), "您的{table}中属于您的个人信息"),
                  (re.compile(r"^mentions of you in other (\w+)$"), "其他人的{table}中提到您的地方"))


@cache
def _words() -> dict:
    return read_yaml(_FILE)


def place_in(what: str, lang: str) -> str:
    """`what` (an English place name of a plan) in `lang`; a name without Chinese words stays as it is."""
    if lang != "zh":
        return what
    words = _words()
    if what in words["phrases"]:
        return words["phrases"][what]
    for pattern, template in _TABLE_PHRASES:
        m = pattern.match(what)
        if m and m.group(1) in words["tables"]:
            return template.format(table=words["tables"][m.group(1)])
    m = _FIELDS.match(what)
    if m and all(f in words["fields"] for f in m.group(1).split(", ")):
        return "您的" + "、".join(words["fields"][f] for f in m.group(1).split(", "))
    return what
