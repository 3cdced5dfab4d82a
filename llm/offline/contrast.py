"""Contrast in a request: "stop the marketing emails but keep sending me service updates", "我不想再收到营销短信，
但是服务通知可以继续发". A tool that stops something (its examples mostly say stop) acts on the clause that asks to
stop; a clause asking to keep is what must stay, and the other way round for a tool that grants. Words: the
`contrast:` table of synonyms.yaml."""
from __future__ import annotations

import re
from functools import cache, lru_cache

from llm.offline.schema import ToolView
from llm.offline.synonyms import contrast_words
from llm.offline.text import Span

STOP, KEEP = -1, 1
_PUNCTUATION = re.compile(r"[,，;；。!！?？]")


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    def alternatives(words: tuple[str, ...]) -> re.Pattern[str]:
        parts = [re.escape(w) if not w.isascii() else rf"(?<![a-z0-9']){re.escape(w)}(?![a-z0-9'])"
                 for w in sorted(set(words), key=len, reverse=True)]
        return re.compile("|".join(parts), re.I)

    words = contrast_words()
    return alternatives(words["joins"]), alternatives(words["stop"]), alternatives(words["keep"])


@cache
def _polite() -> re.Pattern[str]:
    words = sorted(contrast_words().get("polite", ()), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) if not w.isascii() else rf"(?<![a-z0-9']){re.escape(w)}(?![a-z0-9'])"
                               for w in words) or r"(?!)", re.I)


def direction(text: str) -> int:
    """STOP when the words ask to stop, KEEP when they ask to keep (or allow), 0 when both or neither. The polite
    form of a request ("can you …") gives no direction."""
    _, stop, keep = _patterns()
    lowered = _polite().sub(" ", text.lower())
    stops = len(stop.findall(lowered))
    keeps = len(keep.findall(stop.sub(" ", lowered)))  # "unsubscribe", "不同意": not "subscribe", "同意"
    if stops and not keeps:
        return STOP
    if keeps and not stops:
        return KEEP
    return 0


@lru_cache(maxsize=256)
def tool_direction(tool: ToolView) -> int:
    """The direction most of the tool's examples share (revoke_consent: STOP, grant_consent: KEEP), else 0."""
    votes = [direction(e) for e in tool.examples]
    return next((d for d in (STOP, KEEP) if votes and votes.count(d) * 2 > len(votes)), 0)


def clauses(text: str) -> list[Span]:
    """The clauses of `text`, cut at punctuation and before contrast words ("but", "但是")."""
    joins = _patterns()[0]
    cuts = sorted({0, len(text), *(m.start() for m in _PUNCTUATION.finditer(text)),
                   *(m.start() for m in joins.finditer(text))})
    return [Span(a, b) for a, b in zip(cuts, cuts[1:]) if text[a:b].strip(" ,，;；。!！?？")]


def against(tool: ToolView, text: str) -> list[Span]:
    """The clauses that go against what `tool` does, when the request also has a clause going its way: for
    revoke_consent, "但是服务通知可以继续发" in "我不想再收到营销短信，但是服务通知可以继续发"."""
    way = tool_direction(tool)
    if not way:
        return []
    spans = clauses(text)
    ways = [direction(text[s.start:s.end]) for s in spans]
    if way not in ways or -way not in ways:
        return []
    return [s for s, w in zip(spans, ways) if w == -way]


def without_join(text: str) -> str:
    """`text` without a contrast word it starts with: "but stop the sales calls" -> "stop the sales calls"."""
    found = _patterns()[0].match(text.strip())
    return text.strip()[found.end():].strip(" ,，") if found else text
