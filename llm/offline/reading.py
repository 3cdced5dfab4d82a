"""One reading of a user's message: every value, name and enum word found in it, computed once per turn."""
from __future__ import annotations

import datetime as dt
import re
from functools import cached_property, lru_cache

from llm.offline.dates import MONTHS, WEEKDAYS_EN, find_dates, find_periods
from llm.offline.lexicon import Lexicon, Match
from llm.offline.numbers import find_amounts, find_integers, find_percents
from llm.offline.synonyms import words_for_enum_value
from llm.offline.text import STOPWORDS, Found, Span, at_word_edges, before_colon, has_cjk
from llm.offline.unknown_names import introduced_names

_QUOTED = re.compile(r"[\"“「『]([^\"“”「」『』]{2,80})[\"”」』]")
_CAPITALISED = re.compile(r"\b[A-Z][\w&.'-]*(?:\s+(?:&\s+)?[A-Z][\w&.'-]*)*")
# Capitalised words that start sentences or name things other than records.
_NOT_NAMES = STOPWORDS | set(MONTHS) | set(WEEKDAYS_EN) | set(
    "show list find get give tell log record create add open update set change move mark close please "
    "hi hello hey thanks thank help deal deals contact contacts account accounts case cases summary "
    "pipeline report call meeting email note q1 q2 q3 q4 ytd crm ok okay yes no new last next this "
    "today tomorrow yesterday i'm i've i'll i'd let's it's we're".split())
# Kinds whose words also make up records' names, and the kinds of those records.
_WORDS_OF_OTHER_NAMES = ("product",)
_NAMES_OF_RECORDS = ("account", "contact")


class Reading:
    """What the offline model found in `text`, relative to `today`, with names from `lexicon`."""

    def __init__(self, text: str, lexicon: Lexicon, today: dt.date):
        self.text = text
        self.lexicon = lexicon
        self.today = today
        self._entities: dict[str, list[Match]] = {}
        self._enums: dict[tuple, list[Found]] = {}
        self._derived: dict[tuple, object] = {}

    def remembered(self, key: tuple, derive):
        """What a reader derives from this reading and `key` (its only other input), derived once: several tools
        and checks of one turn ask the same question of the same message."""
        if key not in self._derived:
            self._derived[key] = derive()
        return self._derived[key]

    @cached_property
    def periods(self) -> list[Found]:
        return find_periods(self.text, self.today)

    @cached_property
    def dates(self) -> list[Found]:
        return find_dates(self.text, self.today)

    @cached_property
    def percents(self) -> list[Found]:
        return find_percents(self.text)

    @cached_property
    def calendar_and_percent_spans(self) -> list[Span]:
        """Text that reads as a date, period or percentage: never a bare amount or count."""
        return [f.span for f in (*self.periods, *self.dates, *self.percents)]

    @cached_property
    def amounts(self) -> list[Found]:
        return [f for f in find_amounts(self.text) if not _hits(f.span, self.calendar_and_percent_spans)]

    @cached_property
    def integers(self) -> list[Found]:
        return [f for f in find_integers(self.text) if not _hits(f.span, self.calendar_and_percent_spans)]

    def entities(self, kind: str) -> list[Match]:
        if kind not in self._entities:
            found = self.lexicon.match(kind, self.text)
            if kind in _WORDS_OF_OTHER_NAMES:
                found = [m for m in found if not self._inside_a_name(m)]
            self._entities[kind] = found
        return self._entities[kind]

    def _inside_a_name(self, m: Match) -> bool:
        """Whether a product mention is a word of a record's name: inside an account or a contact named ("Medical"
        of Crescent Medical, "医疗" of 东方医疗器械), or, said only in part, one Capitalised word of a longer name the
        lexicon does not know ("Crescent Medical" of another unit is no Medical Device Monitor)."""
        for kind in _NAMES_OF_RECORDS:
            if any(n.start < m.end and m.start < n.end for n in self.lexicon.match(kind, self.text)):
                return True
        if m.exact:
            return False
        for run in _CAPITALISED.finditer(self.text):
            if run.start() <= m.start and m.end <= run.end() and (run.start(), run.end()) != (m.start, m.end):
                rest = (self.text[run.start():m.start] + " " + self.text[m.end:run.end()]).split()
                if any(w.lower().strip(".',") not in _NOT_NAMES and w.lower().strip(".',") not in
                       self.lexicon.words_of(m.kind) for w in rest):
                    return True
        return False

    def all_entities(self) -> list[Match]:
        return list(self._all_entities)  # a list of its own: callers may change theirs

    @cached_property
    def _all_entities(self) -> tuple[Match, ...]:
        return tuple(m for kind in self.lexicon.kinds() for m in self.entities(kind))

    def enum_words(self, values: tuple) -> list[Found]:
        """Mentions of enum values or their synonyms; the longest mention wins where two overlap."""
        if values not in self._enums:
            lowered, hits = self.text.lower(), []
            for value, pattern in _enum_patterns(values):
                for m in pattern.finditer(lowered):
                    if has_cjk(m.group(0)) or at_word_edges(lowered, m.start(), m.end()):
                        hits.append(Found(value, m.start(), m.end(), self.text[m.start():m.end()]))
            hits.sort(key=lambda f: (f.start - f.end, f.start))
            chosen: list[Found] = []
            for f in hits:
                if not _hits(f.span, [c.span for c in chosen]):
                    chosen.append(f)
            self._enums[values] = sorted(chosen, key=lambda f: f.start)
        return self._enums[values]

    @cached_property
    def intent_text(self) -> str:
        """What the intent is read from: the command part before a colon, without names of records."""
        return Reading(before_colon(self.text), self.lexicon, self.today).without_names

    @cached_property
    def without_names(self) -> str:
        """The text with names of records removed: names say whom a request is about, not what it asks."""
        spans = sorted([Span(m.start, m.end) for m in self.all_entities()]
                       + [f.span for f in self.name_guesses()], key=lambda s: s.start)
        pieces, pos = [], 0
        for span in spans:
            if span.start >= pos:
                pieces.append(self.text[pos:span.start])
                pos = span.end
        pieces.append(self.text[pos:])
        masked = re.sub(r"\s{2,}", " ", "".join(pieces)).strip()
        return masked if re.search(r"\w", masked) else self.text

    @cached_property
    def names_only(self) -> bool:
        """Whether the message is nothing but names ("Acme"), so it says whom, not what."""
        spans = [Span(m.start, m.end) for m in self.all_entities()]
        rest = "".join(ch for i, ch in enumerate(self.text) if not any(s.start <= i < s.end for s in spans))
        return bool(spans) and not re.search(r"\w", rest)

    @cached_property
    def introduced_names(self) -> list[Found]:
        """Names not in the lexicon that the message introduces as names ("中科化工的商机", "Contoso Pharma's deals")."""
        taken = [Span(m.start, m.end) for m in self.all_entities()] + self.calendar_and_percent_spans
        return introduced_names(self.text, taken + [f.span for f in self.amounts])

    def name_guesses(self) -> list[Found]:
        """Names not in the lexicon: quoted text, names introduced as such, or runs of Capitalised words that are not
        common words."""
        return list(self._name_guesses)  # read once per message: every tool's argument filling asks

    @cached_property
    def _name_guesses(self) -> tuple[Found, ...]:
        known = [Span(m.start, m.end) for m in self.all_entities()]
        out = [Found(m.group(1).strip(), m.start(1), m.end(1), m.group(1), 1) for m in _QUOTED.finditer(self.text)
               if not _hits(Span(m.start(1), m.end(1)), known)]
        out += [f for f in self.introduced_names if not _hits(f.span, [g.span for g in out])]
        for m in _CAPITALISED.finditer(self.text):
            # Split the run around names the lexicon knows ("Sent Peter Gibbons" → "Sent").
            words = [w for w in re.finditer(r"\S+", m.group(0))
                     if not _hits(Span(m.start() + w.start(), m.start() + w.end()), known)]
            runs: list[list[re.Match]] = []
            for w in words:
                if runs and w.start() == runs[-1][-1].end() + 1:
                    runs[-1].append(w)
                else:
                    runs.append([w])
            for run in runs:
                while run and run[0].group(0).lower().strip(".',") in _NOT_NAMES:
                    run.pop(0)
                while run and run[-1].group(0).lower().strip(".',") in _NOT_NAMES:
                    run.pop()
                if not run:
                    continue
                start, end = m.start() + run[0].start(), m.start() + run[-1].end()
                sentence_start = not self.text[:start].strip() or self.text[:start].rstrip()[-1] in ".!?。！？"
                if (len(run) == 1 and sentence_start) or end - start < 2 or _hits(Span(start, end), [f.span for f in out]):
                    continue  # a lone capitalised first word is usually a verb ("Sent", "Pull")
                if len(run) == 1 and run[0].group(0).lower().strip(".',") in self.lexicon.words_of("product"):
                    continue  # "the POS quote": a word of a product ("Smart POS Terminal"), no unknown account
                out.append(Found(self.text[start:end], start, end, self.text[start:end], 1))
        return tuple(sorted(out, key=lambda f: f.start))


@lru_cache(maxsize=256)
def _enum_patterns(values: tuple) -> list[tuple[object, re.Pattern]]:
    """Per enum value, one pattern of all its words, longest first (overlaps are settled longest-first)."""
    out = []
    for value in values:
        words = sorted({w.lower() for w in words_for_enum_value(str(value))}, key=len, reverse=True)
        out.append((value, re.compile("|".join(re.escape(w) for w in words))))
    return out


def _hits(span: Span, spans: list[Span]) -> bool:
    return any(span.overlaps(s) for s in spans)
