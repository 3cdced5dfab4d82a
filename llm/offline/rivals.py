"""Competitors named in a message, read from how people introduce them rather than from a fixed list: after a word
such as 竞品 / 友商 / competitor ("竞品XX降价了", "友商云启把智能收银终端报到3500"), before an English pricing verb
("HubSpot quoted 1000 per seat"), or as the one who gives our product a price ("纷享销客在华北给振动传感器报价").
The names of our own records and products are never a competitor."""
from __future__ import annotations

import re
from functools import cache

from llm.offline.synonyms import competitor_cues
from llm.offline.text import CJK_CHAR, STOPWORDS, Found, Span, free_of

_NAME_CHAR = re.compile(r"[\w&.·'-]")
_LATIN_NAME = re.compile(r"[A-Z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*){0,3}")
_MIN_CJK, _MAX_CHARS = 2, 16


def find_competitors(text: str, taken: list[Span], products: list[Span]) -> list[Found]:
    """Competitor names in `text`, best first. `taken` are spans already read as something else (names of records,
    amounts, dates); `products` are the spans naming our products, which a competitor prices."""
    cues = _cues()
    found = [f for f in (*_after_cue(text, taken, cues), *_before_verb(text, taken, cues),
                         *_pricing_our_product(text, taken, products, cues)) if free_of(taken, f.start, f.end)]
    return sorted(found, key=lambda f: (-f.strength, f.start))


def _after_cue(text: str, taken: list[Span], cues: dict) -> list[Found]:
    out = []
    for m in cues["before"].finditer(text):
        start = m.end()
        while start < len(text) and (text[start] in " 是叫为:：" or (text[start] == "的" and start == m.end())):
            start += 1  # "竞争对手是华峰", "竞品：XX", "竞品的XX"
        if start < len(text) and text[start].isascii() and text[start].islower():
            continue  # "competitor price for …": an English name is capitalised
        name = _name_at(text, start, taken, cues)
        if name:
            out.append(Found(name, start, start + len(name), name, 2))
    return out


def _before_verb(text: str, taken: list[Span], cues: dict) -> list[Found]:
    out = []
    for m in _LATIN_NAME.finditer(text):
        words = m.group(0).split()
        while words and words[0].lower() in STOPWORDS | cues["not_names"]:
            words.pop(0)
        if not words:
            continue
        name = " ".join(words)
        end = m.end()
        start = end - len(name)
        if cues["verbs_en"].match(text, end) and free_of(taken, start, end):
            out.append(Found(name, start, end, name, 2))
    return out


def _pricing_our_product(text: str, taken: list[Span], products: list[Span], cues: dict) -> list[Found]:
    """"XX在华北给振动传感器报价2300", "XX的边缘网关卖7600": the name that starts the clause before our product."""
    out = []
    for product in products:
        head = re.search(r"(?:在[\u4e00-\u9fff]{1,4})?(?:给|把|对|的)\s*$", text[:product.start])
        if not head:
            continue
        clause = re.split(r"[，,。.!！?？;；:：\s]", text[:head.start()])[-1]
        for cue in cues["not_names"]:  # "听说XX…": the name comes after the hearsay
            if clause.startswith(cue) and cue not in ("我", "他", "她", "你"):
                clause = clause[len(cue):]
        start = head.start() - len(clause)
        name = _name_at(text, start, taken, cues)
        if name and start + len(name) == head.start():
            out.append(Found(name, start, start + len(name), name, 1))
    return out


def _name_at(text: str, start: int, taken: list[Span], cues: dict) -> str | None:
    """The name that starts at `start`: name characters up to a Chinese stop word, a known name or punctuation."""
    end = start
    while end < len(text) and end - start < _MAX_CHARS:
        ch = text[end]
        if CJK_CHAR.match(ch):
            if any(text.startswith(stop, end) for stop in cues["stops_zh"]):
                break
        elif ch == " " and re.match(r"[A-Za-z]", text[end + 1:end + 2]) and re.search(r"[A-Za-z]$", text[start:end]):
            pass  # "Zoho CRM": a space between Latin words
        elif not _NAME_CHAR.match(ch) or ch.isdigit() and end == start:
            break
        if not free_of(taken, end, end + 1):
            break
        end += 1
    name = text[start:end].strip(" .-'·")
    if not name or name.lower() in cues["not_names"] or name in cues["before_words"]:
        return None
    if CJK_CHAR.search(name) and len(name) < _MIN_CJK:
        return None
    return name if re.search(r"[A-Za-z]{2,}|[\u4e00-\u9fff]", name) else None


@cache
def _cues() -> dict:
    table = competitor_cues()
    before = sorted(table.get("before", []), key=len, reverse=True)
    verbs = sorted(table.get("verbs_en", []), key=len, reverse=True)
    return {
        "before": re.compile("|".join(re.escape(w) if CJK_CHAR.search(w) else rf"\b{re.escape(w)}\b\s*"
                                      for w in before), re.I),
        "before_words": frozenset(before),
        "verbs_en": re.compile(r"\s+(?:" + "|".join(re.escape(v) for v in verbs) + r")\b", re.I),
        "stops_zh": tuple(sorted(table.get("stops_zh", []), key=len, reverse=True)),
        "not_names": frozenset(w.lower() for w in table.get("not_names", [])),
    }
