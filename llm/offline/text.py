"""Small text helpers shared by the offline model: script detection, spans and overlap tokens."""
from __future__ import annotations

import re
from dataclasses import dataclass

from crm.language import language_of as message_language
from llm.offline.synonyms import concept_patterns

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_CHAR = re.compile(f"[{_CJK}]")
_TOKEN = re.compile(f"[a-z0-9]+|[{_CJK}]+")

# Function words that carry no intent; kept short on purpose (intent words such as "show" stay).
STOPWORDS = frozenset(
    "a an the of for to in on at with and or me my our us i you your is are was be it this that these those "
    "please can could would will do does did any some all about from by what which who how".split()
)


def has_cjk(text: str) -> bool:
    return bool(CJK_CHAR.search(text or ""))


def language_of(text: str) -> str:
    """'zh' or 'en' by the words that build the sentence: an English sentence naming 北辰医疗器械 is still English."""
    return message_language(text)


def overlap_tokens(text: str) -> frozenset[str]:
    """Latin words (minus stopwords, crude plural folding) and CJK character bigrams, for lexical overlap."""
    out: set[str] = set()
    for run in _TOKEN.findall(text.lower()):
        if CJK_CHAR.match(run):
            if len(run) == 1:
                out.add(run)
            out.update(run[i : i + 2] for i in range(len(run) - 1))
        elif run not in STOPWORDS and len(run) > 1:
            out.add(_singular(run))
    lowered = text.lower()
    out.update(name for name, pattern in concept_patterns() if pattern.search(lowered))
    return frozenset(out)


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def before_colon(text: str) -> str:
    """The command part of "log a call with Acme: they want a demo" (the whole text if there is none)."""
    colon = re.search(r"[:：]", text)
    if not colon:
        return text
    head = text[: colon.start()]
    if head.strip(" -!,.").lower() in LEAD_INS:  # "heads up: HubSpot quoted …": the news is the message
        return text[colon.end():].strip()
    words, cjk = len(re.findall(r"[A-Za-z0-9]+", head)), len(CJK_CHAR.findall(head))
    return head.strip() if words >= 2 or cjk >= 3 else text


# Lead-ins before a colon that announce the message rather than command something.
LEAD_INS = frozenset({"heads up", "fyi", "btw", "quick one", "quick update", "update", "news", "good news",
                       "great news", "bad news", "just so you know", "for the record", "提醒一下", "顺便说一下",
                       "更新一下", "好消息", "坏消息", "通知"})


def is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def word_chars(text: str) -> list[bool]:
    """`is_word_char` of each character of `text`."""
    return [ch.isascii() and ch.isalnum() for ch in text]


def at_word_edges(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is not glued to Latin letters or digits on either side."""
    if start > 0 and is_word_char(text[start - 1]) and is_word_char(text[start]):
        return False
    if end < len(text) and is_word_char(text[end]) and is_word_char(text[end - 1]):
        return False
    return True


@dataclass(frozen=True)
class Span:
    """Where in the user's text a value was read from."""

    start: int
    end: int

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end


def free_of(spans: list[Span], start: int, end: int) -> bool:
    probe = Span(start, end)
    return not any(probe.overlaps(s) for s in spans)


def strip_spans(text: str, spans: list[Span]) -> str:
    """The text with the given spans removed and whitespace tidied."""
    keep, pos = [], 0
    for s in sorted(spans, key=lambda s: s.start):
        if s.start > pos:
            keep.append(text[pos : s.start])
        pos = max(pos, s.end)
    keep.append(text[pos:])
    return re.sub(r"\s{2,}", " ", " ".join(k.strip() for k in keep if k.strip())).strip()


@dataclass(frozen=True)
class Found:
    """A value read from the text, where it was read, and how sure the reading is (2 marked, 1 bare)."""

    value: object
    start: int
    end: int
    surface: str
    strength: int = 2

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)
