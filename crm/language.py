"""Which language a user's message is in, read from the words that build the sentence, not the names it mentions.

"Log a meeting with 吴刚 at 海天电子: they want a quote" is English; "看一下Acme Robotics的商机" is Chinese. Every
place that answers in the user's language (the offline model, the confirmation plan, the written/undo line, the
tools) asks here, so one turn never speaks two languages.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from crm.data_files import read_yaml

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_FILE = Path(__file__).with_name("language.yaml")


@cache
def _words() -> tuple[frozenset[str], tuple[str, ...]]:
    data = read_yaml(_FILE)
    chinese = sorted({str(w) for w in data["chinese"]}, key=len, reverse=True)  # longest first: 他们 before 他
    return frozenset(str(w).lower() for w in data["english"]), tuple(chinese)


def english_marks(text: str) -> int:
    """How many of the Latin words build an English sentence (not a name's words)."""
    english, _ = _words()
    return sum(1 for w in _LATIN_WORD.findall(text or "") if w.lower() in english)


def chinese_marks(text: str) -> int:
    """How many Chinese sentence words and full-width punctuation marks the text holds (each place counted once)."""
    _, chinese = _words()
    pattern = _chinese_pattern(chinese)
    return len(pattern.findall(text or ""))


@cache
def _chinese_pattern(words: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w in words))


def language_of(text: str, fallback: str = "en") -> str:
    """'zh' or 'en': one script alone decides; where both appear, the script whose sentence words are more numerous,
    and on a tie the script the message opens with. An empty message gives `fallback`."""
    text = text if isinstance(text, str) else ""
    cjk, latin = bool(_CJK_CHAR.search(text)), bool(re.search(r"[A-Za-z]{2,}", text))  # "D-1925" has no words
    if not cjk:
        return "en" if latin else fallback
    if not latin:
        return "zh"
    en, zh = english_marks(text), chinese_marks(text)
    if zh and all(w[0].isupper() for w in _LATIN_WORD.findall(text)):  # "Globex Logistics今年有几笔逾期付款": every
        return "zh"  # Latin word capitalised (a name's) and Chinese words build the sentence ("Call 北辰医疗器械" has none)
    if en != zh:
        return "en" if en > zh else "zh"
    first = re.search(f"[{_CJK}A-Za-z]", text)
    return "zh" if first and _CJK_CHAR.match(first.group(0)) else "en"


def name_sides(name: str) -> tuple[str, str]:
    """A name kept as "English / 中文" (sales units, regions) as its (English, Chinese) sides; a name with one side
    gives it for both."""
    en, sep, zh = str(name).partition(" / ")
    return (en.strip(), zh.strip()) if sep else (str(name), str(name))


def name_in(name: str, language: str) -> str:
    """The side of an "English / 中文" name that speaks `language` ('zh' or anything else for English)."""
    en, zh = name_sides(name)
    return zh if language == "zh" else en
