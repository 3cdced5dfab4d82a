"""A correction of one part of a name: "my surname should be Millar" changes Sarah Miller to Sarah Millar, not to
"Millar"; "我的姓应该是程" changes 陈静 to 程静."""
from __future__ import annotations

import re

from crm.privacy.romanize import COMPOUND_SURNAMES

_SURNAME = re.compile(r"\b(?:surname|last\s+name|family\s+name)\b|姓氏|(?<!名)姓(?!名)", re.IGNORECASE)
_GIVEN = re.compile(r"\b(?:first\s+name|given\s+name|forename)\b", re.IGNORECASE)
_HAN = re.compile(r"^[\u3400-\u9fff]{2,4}$")


def part_named(words: str) -> str | None:
    """'surname' or 'given' when the words name one part of a name; None for the whole name or another field."""
    if _SURNAME.search(words or ""):
        return "surname"
    if _GIVEN.search(words or ""):
        return "given"
    return None


def with_part(full_name: str, part: str, value: str) -> str:
    """`full_name` with its surname or given name replaced by `value` (Chinese: surname first; otherwise last)."""
    name, value = (full_name or "").strip(), value.strip()
    if _HAN.match(name):
        cut = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
        return value + name[cut:] if part == "surname" else name[:cut] + value
    words = name.split()
    if len(words) < 2:
        return value
    return " ".join([*words[:-1], value]) if part == "surname" else " ".join([value, *words[1:]])
