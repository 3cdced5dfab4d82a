"""Personal values in free text: phone numbers, e-mail addresses, Chinese resident ID numbers and known names.

Plain `re` recognizers with overlap resolution (the longest span wins; on a tie, the more specific kind),
not Presidio: see crm/privacy/README.md ("Why plain rules"). Values are compared as whole values: a phone
by its digits (country code and trunk zero aside), an e-mail case-insensitively, a name as a whole name
(Latin names on word edges; Chinese names as the longest known name at that place, so 陈静 is not found
inside 陈静怡 when 陈静怡 is a known name too).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from crm.privacy.romanize import latin_forms

EMAIL, PHONE, CN_ID, NAME = "email", "phone", "cn_resident_id", "name"
_SPECIFIC = {EMAIL: 4, CN_ID: 3, PHONE: 2, NAME: 1}  # which kind wins two spans of equal length

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
                    r"(?![A-Za-z0-9-])")
_CN_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                    r"(?![0-9A-Za-z])")
_PHONES = (
    # CN mobile, with or without +86 / 0086, grouped 3-4-4 or not
    re.compile(r"(?<![\d+])(?:(?:\+|00)86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}(?!\d)"),
    # CN landline: area code with trunk zero, optional parentheses, optional extension
    re.compile(r"(?<![\d+])\(?0\d{2,3}\)?[-\s]?\d{3,4}[-\s]?\d{4}(?:-\d{1,5})?(?!\d)"),
    # international: + or 00, country code, then groups (E.164: at most 15 digits)
    re.compile(r"(?<![\d+])(?:\+|00)[1-9]\d{0,2}(?:[-\s.]?\(?\d{1,5}\)?){1,5}(?!\d)"),
)
_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD_RUN = re.compile(r"\w+")
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Found:
    kind: str  # email, phone, cn_resident_id, name
    start: int
    end: int
    text: str
    owners: tuple[int, ...] = ()  # contact ids a name belongs to (set for names only)


def halfwidth(text: str) -> str:
    """Full-width letters, digits and spaces as ASCII, one character for one (offsets stay valid)."""
    return text.translate(_FULLWIDTH)


def phone_digits(value: str) -> str:
    """The digits of a phone number without an international prefix: "+86 158-5902 5379" -> "8615859025379"."""
    digits = re.sub(r"\D", "", halfwidth(value or ""))
    return digits[2:] if digits.startswith("00") else digits


def same_phone(a: str, b: str) -> bool:
    """Whether two written phone numbers are one number: equal digits, or equal after the country code (at most
    three digits) of one and the trunk zero of the other ("+86 158 5902 5379" == "158 5902 5379")."""
    x, y = phone_digits(a), phone_digits(b)
    if len(x) < 7 or len(y) < 7:
        return False
    if x == y:
        return True
    short, long_ = sorted((x.lstrip("0"), y.lstrip("0")), key=len)
    return len(short) >= 7 and long_.endswith(short) and len(long_) - len(short) <= 3


def email_key(value: str) -> str:
    return halfwidth(value or "").strip().lower()


def valid_resident_id(value: str) -> bool:
    """GB 11643-1999 check digit (ISO 7064 MOD 11-2) of an 18-character resident ID number."""
    v = value.upper()
    if len(v) != 18 or not v[:17].isdigit():
        return False
    return _ID_CHECK[sum(int(d) * w for d, w in zip(v[:17], _ID_WEIGHTS)) % 11] == v[17]


class NameIndex:
    """Known people's names, to find them in text: {name: contact ids holding it}."""

    def __init__(self, names: Iterable[tuple[int, str]]):
        self.owners: dict[str, set[int]] = {}
        for contact_id, name in names:
            key = _name_key(name)
            if key and len(key) >= 2 and name.strip() not in ("[erased]",):
                for form in (key, *latin_forms(name)):  # 陈静 is also "Chen Jing" in an English note
                    self.owners.setdefault(form, set()).add(contact_id)
        han = sorted((k for k in self.owners if _HAN.search(k)), key=len, reverse=True)
        latin = sorted((k for k in self.owners if not _HAN.search(k) and " " in k), key=len, reverse=True)
        self._han_keys, self._latin_keys = han, latin
        # Looked up, not matched against one alternation of thousands of names (milliseconds a reply): Han names
        # by the substrings starting at a Han character that begins one, longest first; Latin names by their
        # first word at the start of each word of the text, then the whole name with whitespace between words.
        self._han_set = frozenset(han)
        self._han_lengths = sorted({len(k) for k in han}, reverse=True)
        self._han_first = frozenset(k[0] for k in han)
        self._latin_by_first: dict[str, list[str]] = {}
        self._irregular = False  # a Latin name not starting with a word character: matched by the alternation
        for k in latin:
            first = _WORD_RUN.match(k)
            if first is None:
                self._irregular = True
            else:
                self._latin_by_first.setdefault(first.group(0), []).append(k)
        self._patterns: dict[str, re.Pattern] = {}
        self._alternations: tuple | None = None

    def find(self, text: str) -> list[Found]:
        if self._irregular:
            return self.find_by_alternation(text)
        return [*self._find_han(text), *self._find_latin(text)]

    def _found(self, text: str, start: int, end: int) -> Found:
        key = _name_key(text[start:end])
        return Found(NAME, start, end, text[start:end], tuple(sorted(self.owners.get(key, ()))))

    def _find_han(self, text: str) -> list[Found]:
        found, i, n = [], 0, len(text)
        while i < n:
            if text[i] in self._han_first:
                hit = next((length for length in self._han_lengths
                            if i + length <= n and text[i:i + length] in self._han_set), 0)
                if hit:
                    found.append(self._found(text, i, i + hit))
                    i += hit
                    continue
            i += 1
        return found

    def _find_latin(self, text: str) -> list[Found]:
        found, resume = [], 0
        for word in _WORD_RUN.finditer(text):
            if word.start() < resume:
                continue
            for key in self._latin_by_first.get(word.group(0).lower(), ()):
                m = self._pattern(key).match(text, word.start())
                if m:
                    found.append(self._found(text, m.start(), m.end()))
                    resume = m.end()
                    break
        return found

    def _pattern(self, key: str) -> re.Pattern:
        pattern = self._patterns.get(key)
        if pattern is None:
            pattern = self._patterns[key] = re.compile(re.escape(key).replace(r"\ ", r"\s+") + r"(?![\w])",
                                                       re.IGNORECASE)
        return pattern

    def find_by_alternation(self, text: str) -> list[Found]:
        """The same search by two regular expressions (every Han name; every Latin name): the reference."""
        if self._alternations is None:
            han, latin = self._han_keys, self._latin_keys
            self._alternations = (
                re.compile("|".join(map(re.escape, han))) if han else None,
                re.compile(r"(?<![\w])(?:" + "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in latin)
                           + r")(?![\w])", re.IGNORECASE) if latin else None)
        found = []
        for pattern in self._alternations:
            if pattern is None:
                continue
            for m in pattern.finditer(text):  # alternation ordered longest first: leftmost-longest
                found.append(self._found(text, m.start(), m.end()))
        return found


def _name_key(name: str) -> str:
    return " ".join(halfwidth(name or "").split()).lower()


def find_values(text: str, names: NameIndex | None = None) -> list[Found]:
    """Every personal value in `text`, overlaps resolved: the longest span wins, then the more specific kind."""
    if not text:
        return []
    plain = halfwidth(text)
    spans = [Found(EMAIL, m.start(), m.end(), text[m.start():m.end()]) for m in _EMAIL.finditer(plain)]
    spans += [Found(CN_ID, m.start(), m.end(), text[m.start():m.end()]) for m in _CN_ID.finditer(plain)
              if valid_resident_id(m.group(0))]
    for pattern in _PHONES:
        for m in pattern.finditer(plain):
            value = m.group(0).rstrip(" -.")
            if 7 <= len(phone_digits(value)) <= 15:
                spans.append(Found(PHONE, m.start(), m.start() + len(value), text[m.start():m.start() + len(value)]))
    if names is not None:
        spans += names.find(plain)
    spans.sort(key=lambda f: (-(f.end - f.start), -_SPECIFIC[f.kind], f.start))
    chosen: list[Found] = []
    for f in spans:
        if not any(f.start < c.end and c.start < f.end for c in chosen):
            chosen.append(f)
    return sorted(chosen, key=lambda f: f.start)


def replace_spans(text: str, spans: Iterable[Found], marker) -> str:
    """`text` with each span replaced by `marker(span)` (spans must not overlap)."""
    out, pos = [], 0
    for f in sorted(spans, key=lambda f: f.start):
        out += [text[pos:f.start], marker(f)]
        pos = f.end
    out.append(text[pos:])
    return "".join(out)
