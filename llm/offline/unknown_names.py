"""Names the lexicon does not know, read from where the message introduces them: "中科化工的商机", "和吴刚的会议",
"Contoso Pharma's deals". Such a name reaches the tool, which says it is not among the user's records (another
unit's account stays as unknown as one that does not exist), instead of the model answering about something else.

Precision over recall: a span is a name only in one of these places, and only if it holds no ordinary word
(`name_cues.zh_not_name`) and no value read otherwise (a period, a date, an amount)."""
from __future__ import annotations

import re
from functools import cache

from llm.offline.synonyms import name_cues
from llm.offline.text import CJK_CHAR, Found, Span

_MIN_CJK, _MAX_CJK = 2, 12
_LATIN_WORD, _LATIN_SENTENCE = re.compile(r"[A-Za-z]{2,}"), 3
_CJK_AFTER_A_PREPOSITION = re.compile(  # not after "the"/"my": "send him the 报价单" names a thing, not a company
    r"\b(?:to|with|for|at|from|of|visit(?:ed)?|call(?:ed)?|met|meet|e-?mail(?:ed)?|ping(?:ed)?)\s+"
    r"([\u3400-\u9fff]+)", re.I)
_CAPITALISED_RUN = r"[A-Z][\w&.-]*(?:\s+(?:&\s+)?[A-Z][\w&.-]*)*"


@cache
def _patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    cues = name_cues()
    alt = lambda words: "|".join(re.escape(w) for w in words)  # noqa: E731
    cjk = r"[\u3400-\u9fff]"
    owned = re.compile(rf"({cjk}{{2,40}}?)的(?:{alt(cues['zh_objects'])})")
    met = re.compile(rf"(?:{alt(cues['zh_with'])})({cjk}{{2,{_MAX_CJK}}}?)(?:{alt(cues['zh_meetings'])})")
    possessive = re.compile(rf"(?<![A-Za-z0-9])({_CAPITALISED_RUN})(?:['’]s\s+(?:\w+\s+)?(?:{alt(cues['en_objects'])})\b"
                            rf"|\s*的(?:{alt(cues['zh_objects'])}))")  # "Contoso Pharma's deals", "Contoso Pharma的商机"
    return owned, met, possessive


def introduced_names(text: str, taken: list[Span]) -> list[Found]:
    """Spans the message introduces as names, outside `taken` (names the lexicon found, values read otherwise)."""
    owned, met, possessive = _patterns()
    out: list[Found] = []
    for m in owned.finditer(text):
        start, end = _without_leads(text, m.start(1), m.end(1))
        _add(out, text, start, end, taken)
    for m in met.finditer(text):
        _add(out, text, m.start(1), m.end(1), taken)
    for m in possessive.finditer(text):
        _add(out, text, m.start(1), m.end(1), taken)
    if len(_LATIN_WORD.findall(text)) >= _LATIN_SENTENCE:  # "log a visit to 华润新材料 yesterday": Chinese inside an
        for m in _CJK_AFTER_A_PREPOSITION.finditer(text):  # English sentence, where a name goes, is a name
            _add(out, text, m.start(1), m.end(1), taken)
    return sorted(out, key=lambda f: f.start)


def _without_leads(text: str, start: int, end: int) -> tuple[int, int]:
    """The run before "的" minus the request around it: "看一下中科化工" → "中科化工", "和吴刚" → "吴刚"."""
    cues = name_cues()
    changed = True
    while changed:
        changed = False
        for lead in (*cues["zh_leads"], *cues["zh_with"]):
            if text.startswith(lead, start) and end - start - len(lead) >= _MIN_CJK:
                start, changed = start + len(lead), True
                break
    return start, end


def _add(out: list[Found], text: str, start: int, end: int, taken: list[Span]) -> None:
    name = text[start:end].strip()
    if not name or any(Span(start, end).overlaps(s) for s in taken) or any(f.start == start for f in out):
        return
    if CJK_CHAR.match(name[0]):
        if not (_MIN_CJK <= len(name) <= _MAX_CJK) or any(w in name for w in name_cues()["zh_not_name"]):
            return
    out.append(Found(name, start, end, name, 2))
