"""Finding catalogue names in a manager's sentence as key terms in order, with filler words allowed between them.

A sentence and every name are cut into tokens the same way: Latin words (plural folded, a word and its equal
said alike: "tickets" are cases, "contracts" deals), and Chinese by forward
maximum matching over a small dictionary (metric_terms.yaml), so 毛利率 stays one word and never answers to 毛利.
A name matches where its tokens occur in order with at most a few filler tokens between them ("新建了多少商机" for
新建商机, "deals were created" for "deals created"); a two-word English name may also be said predicatively ("cases
are still open"); a Chinese count name also answers to its words without the count suffix (在途商机数 → 在途商机).
Among overlapping matches the one covering more of the sentence's characters wins, then the one with fewer fillers,
then the earlier one."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[a-z0-9]+|[{_CJK}]+")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    cjk: bool


@dataclass(frozen=True)
class Mention:
    """Where a name was found: characters start..end of the sentence, and how well (covered characters, fillers)."""

    start: int
    end: int
    covered: int
    fillers: int
    key: object  # what the caller attached to the name (e.g. ("metric", "win_rate"))
    phrase: str


@lru_cache(maxsize=1)
def _data() -> dict:
    data = yaml.safe_load((Path(__file__).with_name("metric_terms.yaml")).read_text(encoding="utf-8"))
    return {"zh_words": frozenset(data["zh_words"]), "longest": max(len(w) for w in data["zh_words"]),
            "zh_fillers": frozenset(data["zh_fillers"]), "zh_gap": int(data["zh_gap"]),
            "en_fillers": frozenset(map(_fold, data["en_fillers"])), "en_gap": int(data["en_gap"]),
            "en_predicative": frozenset(map(_fold, data["en_predicative"])),
            "count_suffixes": tuple(sorted(data["count_suffixes"], key=len, reverse=True)),
            "en_same": {_fold(k): _fold(v) if v else "" for k, v in data["en_same"].items()}}


def _fold(word: str) -> str:
    """Crude stemming, the same for names and sentences: "deals"/"deal", "created"/"create", "closing"/"close"."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    elif len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def _segment(run: str, offset: int) -> list[Token]:
    """Forward maximum matching of a run of Chinese characters over the dictionary."""
    words, longest, out, i = _data()["zh_words"], _data()["longest"], [], 0
    while i < len(run):
        size = next((n for n in range(min(longest, len(run) - i), 1, -1) if run[i:i + n] in words), 1)
        out.append(Token(run[i:i + size], offset + i, offset + i + size, True))
        i += size
    return out


def tokens(text: str) -> list[Token]:
    """The tokens of a (lower-cased) text, with their character spans."""
    out: list[Token] = []
    for m in _RUN.finditer(text.lower()):
        if re.match(rf"[{_CJK}]", m.group()):
            out.extend(_segment(m.group(), m.start()))
        else:
            word = _fold(m.group())
            word = _data()["en_same"].get(word, word)
            if word:  # "support" of "open support cases" is dropped: the name is "open cases"
                out.append(Token(word, m.start(), m.end(), False))
    return out


@lru_cache(maxsize=4096)
def _forms(phrase: str) -> tuple[tuple[str, ...], ...]:
    """The token sequences a name answers to: its own, and for a Chinese count name the one without the suffix."""
    terms = tuple(t.text for t in tokens(phrase))
    if not terms:
        return ()
    forms = [terms]
    bare = tuple(t for t in terms if t not in ("的", "了"))  # "关闭的商机" is said "关闭商机" too
    if bare != terms and len(bare) > 1:
        forms.append(terms := bare)
    if all(re.match(rf"[{_CJK}]", t) for t in terms):
        for suffix in _data()["count_suffixes"]:
            if terms[-1] == suffix and len(terms) > 1 and len("".join(terms[:-1])) >= 2:
                forms.append(terms[:-1])
                break
            if terms[-1].endswith(suffix) and terms[-1] != suffix and len(terms[-1]) - len(suffix) >= 2 \
                    and len(terms) == 1:
                forms.append((terms[-1][:-len(suffix)],))
                break
    return tuple(forms)


def _filler(token: Token) -> bool:
    d = _data()
    return token.text in (d["zh_fillers"] if token.cjk else d["en_fillers"])


def _match_at(toks: list[Token], i: int, terms: tuple[str, ...], fillers_ok) -> tuple[int, int] | None:
    """(index of the last token, fillers skipped) when `terms` match in order starting at token i."""
    if toks[i].text != terms[0]:
        return None
    j, skipped = i, 0
    for term in terms[1:]:
        gap, k = 0, j + 1
        while k < len(toks) and toks[k].text != term:
            if not fillers_ok(toks[k], gap):
                return None
            gap, k = gap + 1, k + 1
        if k >= len(toks):
            return None
        j, skipped = k, skipped + gap
    return j, skipped


def find_mentions(text: str, names: list[tuple[str, object]], taken: list[tuple[int, int]] = ()) -> list[Mention]:
    """Every name of `names` ((phrase, key) pairs) found in `text`, best first, none overlapping another or `taken`."""
    toks = [t for t in tokens(text) if not any(t.start < e and s < t.end for s, e in taken)]
    d = _data()
    at: dict[str, list[int]] = {}
    for n, t in enumerate(toks):
        at.setdefault(t.text, []).append(n)

    def gap_ok(token: Token, gap: int) -> bool:
        return _filler(token) and gap < (d["zh_gap"] if token.cjk else d["en_gap"])

    def predicative(token: Token, gap: int) -> bool:
        return not token.cjk and token.text in d["en_predicative"] and gap < 3

    entries, starting = _ways(tuple(names))
    # only the names one of whose ways starts with a token of the sentence can match; in their given order
    candidates = sorted({n for tok in at for n in starting.get(tok, ())})
    found: list[Mention] = []
    for n in candidates:
        phrase, key, ways = entries[n]
        for seq, swapped in ways:
            ok = predicative if swapped else gap_ok
            for i in at.get(seq[0], ()):
                hit = _match_at(toks, i, seq, ok)
                if hit is None:
                    continue
                last, skipped = hit
                if swapped and _participle(text, toks[last], phrase):
                    continue
                covered = sum(len(t) for t in seq)
                # said the other way round counts as one filler more: "open tickets" is open cases, not cases opened
                found.append(Mention(toks[i].start, toks[last].end, covered, skipped + swapped, key, phrase))
    # one phrase naming two things ("headcount": every rep, or the reps active) is the one the sentence names
    # elsewhere too ("headcount of reps who logged a call"), else the one whose own name it is ("rep_headcount")
    support = {id(m): sum(o.key == m.key and (o.end <= m.start or m.end <= o.start) for o in found) for m in found}
    found.sort(key=lambda m: (-m.covered, m.fillers, m.start, m.end, -support[id(m)], not _own_name(m)))
    chosen: list[Mention] = []
    for m in found:
        if not any(m.start < c.end and c.start < m.end for c in chosen):
            chosen.append(m)
    return chosen


def _own_name(m: Mention) -> bool:
    """Whether the phrase found is the name of what it names: "headcount" of rep_headcount, not of active_reps."""
    name = m.key[-1] if isinstance(m.key, tuple) else m.key
    return isinstance(name, str) and m.phrase.replace(" ", "_") in name.lower()


def _participle(text: str, said: Token, phrase: str) -> bool:
    """ "opportunities were opened": an adjective of a name said as a past participle after its noun tells what was
    done to the rows (opened: created), not the state they are in (open); a name whose own word ends so still counts
    ("deals that were closed")."""
    word = text[said.start:said.end].lower()
    return word.endswith("ed") and not any(w.endswith("ed") for w in phrase.lower().split())


@lru_cache(maxsize=32)
def _ways(names: tuple[tuple[str, object], ...]) -> tuple[list, dict[str, list[int]]]:
    """Per name, in order, (phrase, key, the token sequences it may be said as, each marked when it is the
    predicative order), and per token the names with a sequence starting with it: a sentence then tries only the
    names that can start at one of its tokens (the catalogue has hundreds), not every name."""
    entries, starting = [], {}
    for n, (phrase, key) in enumerate(names):
        ways = []
        for terms in _forms(phrase):
            ways.append((terms, False))
            if len(terms) == 2 and not re.match(rf"[{_CJK}]", terms[0]):  # "open cases": "cases are still open"
                ways.append(((terms[1], terms[0]), True))
        entries.append((phrase, key, ways))
        for seq, _ in ways:
            starting.setdefault(seq[0], set()).add(n)
    return entries, {tok: sorted(ns) for tok, ns in starting.items()}
