"""Gazetteers of CRM names (accounts, contacts, ...) and finding their mentions in a user's message."""
from __future__ import annotations

import bisect
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from llm.offline.synonyms import name_affixes
from llm.offline.text import CJK_CHAR, word_chars

_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9&'.-]*[a-z0-9]|[a-z0-9]")
_MIN_LATIN, _MIN_CJK, _MAX_SHARED = 4, 2, 3
_MATCHES_KEPT = 4096  # (kind, text) pairs: a turn reads its message about ten times (each tool's slots, twice)


@dataclass(frozen=True)
class EntityName:
    """One record's name as users say it: the canonical store name and other ways to write it."""

    canonical: str
    aliases: tuple[str, ...] = ()
    whole: tuple[str, ...] = ()  # ways matched only whole, never by a part ("wang fang" for 王芳: "wang" is not her)


@dataclass(frozen=True)
class Relations:
    """What the store says links names: the accounts a contact works at, and each account's open deals as
    (id, product, stage). They let "Hannah Brown" name her account and "the Northwind deal" name its deals."""

    contact_accounts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    open_deals: Mapping[str, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)

    def deal(self, deal_id: str) -> tuple[str, str, str, str] | None:
        """(id, product, stage, account) of an open deal."""
        for account, deals in self.open_deals.items():
            for d in deals:
                if d[0] == deal_id:
                    return (*d, account)
        return None


@dataclass(frozen=True)
class Match:
    """A mention of a name in the text. Several `candidates` mean the mention is ambiguous."""

    kind: str
    text: str
    start: int
    end: int
    candidates: tuple[str, ...]
    exact: bool
    labels: tuple[str, ...] = ()  # how to show each candidate in a question ("D-2046 Data Migration Service")

    @property
    def canonical(self) -> str | None:
        return self.candidates[0] if len(self.candidates) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


_UNEVEN_SPACE = re.compile(r"\s\s|[^\S ]")  # two white-space characters in a row, or one that is not a space


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


@dataclass
class _Index:
    exact: dict[str, set[str]] = field(default_factory=dict)
    partial: dict[str, set[str]] = field(default_factory=dict)
    longest: int = 0

    def add(self, table: dict[str, set[str]], key: str, canonical: str) -> None:
        table.setdefault(key, set()).add(canonical)
        self.longest = max(self.longest, len(key))


class Lexicon:
    """Names per entity kind; `match(kind, text)` finds which of them a message mentions.

    Whole names and aliases match anywhere (Latin ones on word edges). Partial mentions match when they
    point at one name only: a Latin word of the name (>= 4 letters, not a generic word such as "group")
    or a leading part of a Chinese name (>= 2 characters, after dropping a city prefix such as 上海). Kinds in
    `whole_only` match by whole names and aliases only: a sales unit's words ("industry", "retail") are common words.
    """

    def __init__(self, entries: Mapping[str, Iterable[EntityName | str]] | None = None,
                 relations: Relations | None = None, whole_only: Iterable[str] = ("unit",),
                 elsewhere: Mapping[str, Iterable[str]] | None = None):
        """`elsewhere`: per kind, names (and their other spellings) the store holds outside this scope. A part of
        one of ours inside one of them ("九州" of 九州电子 in "九州能源", another unit's account) names theirs, not
        ours: it is no mention, so the tool hears a name it does not know instead of a write landing on ours."""
        self.relations = relations or Relations()
        self._elsewhere = {kind: frozenset(_norm(n) for n in names if n and n.strip())
                           for kind, names in (elsewhere or {}).items()}
        self._elsewhere_longest = {kind: max(map(len, names), default=0) for kind, names in self._elsewhere.items()}
        self.entries: dict[str, list[EntityName]] = {
            kind: [n if isinstance(n, EntityName) else EntityName(str(n)) for n in names]
            for kind, names in (entries or {}).items()
        }
        whole = set(whole_only)
        self._indexes = {kind: _build_index(names, partial=kind not in whole) for kind, names in self.entries.items()}
        self._matches: OrderedDict[tuple[str, str], tuple[Match, ...]] = OrderedDict()  # the names never change
        self._matches_lock = threading.Lock()
        self._words: dict[str, frozenset[str]] = {}

    @classmethod
    def from_names(cls, **names: Iterable[EntityName | str]) -> "Lexicon":
        """`Lexicon.from_names(account=["Acme Robotics", EntityName("北辰医疗器械", ("北辰医疗",))])`."""
        return cls(names)

    def kinds(self) -> list[str]:
        return list(self.entries)

    def words_of(self, kind: str) -> frozenset[str]:
        """The lower-case Latin words of `kind` names and aliases ("pos" of "Smart POS Terminal")."""
        cached = self._words.get(kind)
        if cached is None:
            cached = frozenset(w for n in self.entries.get(kind, ()) for s in (n.canonical, *n.aliases) if s
                               for w in _LATIN_WORD.findall(s.lower()))
            self._words[kind] = cached
        return cached

    def match(self, kind: str, text: str) -> list[Match]:
        """Non-overlapping mentions of `kind` names in `text`, in reading order (longest mention wins)."""
        key = (kind, text)
        with self._matches_lock:
            found = self._matches.get(key)
            if found is not None:
                self._matches.move_to_end(key)
                return list(found)
        found = tuple(self._match(kind, text))
        with self._matches_lock:
            self._matches[key] = found
            if len(self._matches) > _MATCHES_KEPT:
                self._matches.popitem(last=False)
        return list(found)

    def _match(self, kind: str, text: str) -> list[Match]:
        index = self._indexes.get(kind)
        if not index or not text:
            return []
        lowered = text.lower()
        # a span starts and ends on a character that is not white space, so only a run of it inside, or white space
        # other than a space, makes a span's normal form differ from the span itself
        plain = lowered.lower() == lowered and not _UNEVEN_SPACE.search(lowered)
        found: list[Match] = []
        for start, end in _spans(lowered, index.longest):
            key = lowered[start:end] if plain else _norm(lowered[start:end])
            names, exact = index.exact.get(key), True
            if not names:
                names, exact = index.partial.get(key), False
            if names and not exact and kind in _NAMED_KINDS and _another_name_follows(text, end, names, kind):
                continue
            if names and not exact and self._inside_a_name_elsewhere(kind, lowered, start, end):
                continue
            if names:
                found.append(Match(kind, text[start:end], start, end, tuple(sorted(names)), exact))
        found.sort(key=lambda m: (-(m.end - m.start), not m.exact, m.start))
        chosen: list[Match] = []
        for m in found:
            if all(m.end <= c.start or c.end <= m.start for c in chosen):
                chosen.append(m)
        return sorted(chosen, key=lambda m: m.start)

    def _inside_a_name_elsewhere(self, kind: str, lowered: str, start: int, end: int) -> bool:
        """Whether the text around [start, end) spells, longer, a name this scope does not hold."""
        names, longest = self._elsewhere.get(kind), self._elsewhere_longest.get(kind, 0)
        if not names:
            return False
        for s in range(max(0, end - longest), start + 1):
            for e in range(end + (s == start), min(len(lowered), s + longest) + 1):
                if _norm(lowered[s:e]) in names:
                    return True
        return False


def _another_name_follows(text: str, end: int, names: set[str], kind: str) -> bool:
    """A part of a name followed by a capitalised word that is not in that name: "Sarah Miller" when the only Sarah
    in scope is Sarah Campbell names someone else, not her; "Jiuzhou Energy" when ours is Jiuzhou Dianzi (九州电子)
    names another company (a write must not land on the wrong record). Words that follow a name without being part
    of one ("call Sarah Monday", "the Acme Corp deal", "Globex Renewal") do not count."""
    following = _NEXT_CAPITALISED.match(text, end)
    if not following:
        return False
    word = following.group(1).lower()
    if word in _NOT_NAME_WORDS or (kind != "contact" and word in name_affixes()["latin_generic"]):
        return False
    return all(word not in _LATIN_WORD.findall(name.lower()) for name in names)


_NAMED_KINDS = ("contact", "account")
_NEXT_CAPITALISED = re.compile(r" ([A-Z][a-z'’-]+)\b")
_NOT_NAME_WORDS = frozenset(  # capitalised words that follow a name without being part of it ("call Sarah Monday")
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december today tomorrow yesterday i renewal renewals contract contracts order orders "
    "opportunity project pilot demo quote quotes proposal invoice invoices rfp poc deal deals account team people "
    "folks guys office".split())


def _spans(text: str, longest: int):
    """Candidate (start, end) pairs that start and end on word edges (CJK characters are edges everywhere)."""
    n = len(text)
    word = word_chars(text)
    starts = [i for i in range(n) if text[i].strip() and not (i and word[i - 1] and word[i])]
    ends = [e for e in range(1, n + 1) if text[e - 1].strip() and not (e < n and word[e] and word[e - 1])]
    for s in starts:
        for e in ends[bisect.bisect_right(ends, s):bisect.bisect_right(ends, min(n, s + longest + 4))]:
            yield s, e


def _build_index(names: list[EntityName], partial: bool = True) -> _Index:
    index = _Index()
    affixes = name_affixes()
    for name in names:
        surfaces = {_norm(s) for s in (name.canonical, *name.aliases) if s and s.strip()}
        for surface in surfaces:
            index.add(index.exact, surface, name.canonical)
        for surface in {_norm(s) for s in name.whole if s and s.strip()} - surfaces:
            index.add(index.exact, surface, name.canonical)
        for surface in surfaces if partial else ():
            for key in _partial_keys(surface, affixes):
                if key not in surfaces:
                    index.add(index.partial, key, name.canonical)
    # A partial key that is some other name's full name belongs to that name only; one shared by many
    # names ("medical", "retail") is a common word, not a mention.
    for key in list(index.partial):
        if key in index.exact or len(index.partial[key]) > _MAX_SHARED:
            del index.partial[key]
    return index


def _partial_keys(surface: str, affixes: dict[str, list[str]]) -> set[str]:
    keys: set[str] = set()
    generic = set(affixes["latin_generic"])
    words = _LATIN_WORD.findall(surface)
    for w in words:
        if len(w) >= _MIN_LATIN and w not in generic and not w.isdigit():
            keys.add(w)
    for n in range(2, len(words)):  # leading words: "acme robotics" of "acme robotics shanghai"
        keys.add(" ".join(words[:n]))
    cjk = "".join(ch for ch in surface if CJK_CHAR.match(ch))
    if len(cjk) >= _MIN_CJK:
        cores = {cjk}
        for prefix in affixes["cjk_prefixes"]:
            if cjk.startswith(prefix) and len(cjk) - len(prefix) >= _MIN_CJK:
                cores.add(cjk[len(prefix):])
        for suffix in affixes["cjk_suffixes"]:
            for core in list(cores):
                if core.endswith(suffix) and len(core) - len(suffix) >= _MIN_CJK:
                    cores.add(core[: -len(suffix)])
        bare = set(affixes["cjk_prefixes"]) | set(affixes["cjk_suffixes"])
        for core in cores:
            for n in range(_MIN_CJK, len(core) + 1):
                if core[:n] not in bare:
                    keys.add(core[:n])
    return keys
