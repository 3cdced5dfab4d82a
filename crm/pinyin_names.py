"""A Chinese account name in Latin script, as people type it without tones: 宏达机械 -> "hongda jixie".

Pinyin by pypinyin (offline, loaded at first use). The name is cut into two-character words (a trailing three
characters stay one word: 华润新材料 -> "huarun xincailiao"), each written as one Latin word; a character with
a common second reading gives a second form (长风半导体: "zhangfeng" and "changfeng"). A name typed by its first words
("Hongda", "Tongzhou") or in full ("zhenghe nengyuan", "ZhengheNengyuan") matches.
"""
from __future__ import annotations

import itertools
import re
from functools import lru_cache

_HAN_ONLY = re.compile(r"^[\u3400-\u9fff]{2,12}$")
_NOT_LETTERS = re.compile(r"[^a-z]")
MAX_FORMS = 4  # readings of heteronyms combined: enough for 长 and 行 in one name, not a combinatorial explosion
MIN_TYPED = 4  # letters: "hong" names nothing by itself, "hongda" does
# Characters whose other reading is as likely in a name as the one pypinyin picks; other characters' rare
# readings ("hongti" for 宏达) would only make false matches.
SECOND_READINGS = frozenset("长行重乐朝曾单厦调")


@lru_cache(maxsize=8192)
def latin_forms(name: str) -> tuple[str, ...]:
    """Lower-case Latin forms of a Chinese name ("hongda jixie"), most likely reading first; empty for other names."""
    name = (name or "").strip()
    if not _HAN_ONLY.match(name):
        return ()
    from pypinyin import Style, lazy_pinyin, pinyin  # the phrase table takes a moment to load: at first use

    likely = lazy_pinyin(name, v_to_u=True)
    others = pinyin(name, style=Style.NORMAL, heteronym=True, v_to_u=True)
    readings = [[first] + [r for r in alts[:2] if r != first and ch in SECOND_READINGS]
                for ch, first, alts in zip(name, likely, others)]
    forms = []
    for syllables in itertools.islice(itertools.product(*readings), MAX_FORMS):
        words = ["".join(w) for w in _words(list(syllables))]
        forms.append(" ".join(words).replace("ü", "v"))
        if "ü" in "".join(words):
            forms.append(" ".join(words).replace("ü", "u"))
    return tuple(dict.fromkeys(forms))


def _words(syllables: list[str]) -> list[list[str]]:
    """Two syllables a word; an odd count leaves the last three together."""
    cut = [syllables[i:i + 2] for i in range(0, len(syllables), 2)]
    if len(cut) > 1 and len(cut[-1]) == 1:
        cut[-2:] = [cut[-2] + cut[-1]]
    return cut


def typed_as(text: str, name: str) -> bool:
    """Whether `text` writes `name` in Latin letters: its leading words or all of it, spaces and case aside."""
    typed = _NOT_LETTERS.sub("", (text or "").lower())
    if len(typed) < MIN_TYPED:
        return False
    for form in latin_forms(name):
        words = form.split()
        if any(typed == "".join(words[:n]) for n in range(1, len(words) + 1)):
            return True
    return False
