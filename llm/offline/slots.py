"""The value extractors in one place: amounts, percentages, periods, dates, counts, enum words and free text.

Each `extract_*` returns the first value found in the text (or None); `find_*` in numbers.py and dates.py
return every value with where it was read. Periods and dates are relative to `today`, which callers take
from an injectable clock (default `datetime.date.today()`).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from llm.offline.arguments import free_text
from llm.offline.dates import find_dates, find_periods
from llm.offline.lexicon import Lexicon
from llm.offline.numbers import find_amounts, find_integers, find_percents
from llm.offline.reading import Reading

Clock = Callable[[], dt.date]

__all__ = ["extract_amount", "extract_date", "extract_free_text", "extract_integer", "extract_percent",
           "extract_period", "match_enum"]


def extract_amount(text: str) -> int | float | None:
    """"10万" → 100000, "¥50,000" → 50000, "$5k" → 5000, "2.5 million" → 2500000, "三万" → 30000.
    A marked amount (currency, 万, k, million) wins over a bare number."""
    found = sorted(find_amounts(text), key=lambda f: -f.strength)
    return found[0].value if found else None


def extract_percent(text: str) -> int | float | None:
    """"15%", "15 percent", "百分之十五" → 15; "打八五折" (pay 85%) → 15."""
    found = find_percents(text)
    return found[0].value if found else None


def extract_period(text: str, today: dt.date | None = None, clock: Clock = dt.date.today) -> dict | None:
    """{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD", "label": ...} for "上季度", "last 30 days", "Q3 2026" ..."""
    found = find_periods(text, today or clock())
    return found[0].value if found else None


def extract_date(text: str, today: dt.date | None = None, clock: Clock = dt.date.today) -> str | None:
    """"YYYY-MM-DD" for "yesterday", "明天", "2026-03-01", "3月5日", "next Monday", "下周一" ..."""
    found = find_dates(text, today or clock())
    return found[0].value if found else None


def extract_integer(text: str) -> int | None:
    found = find_integers(text)
    return found[0].value if found else None


def match_enum(values: Sequence[Any], text: str) -> Any | None:
    """The enum value the text names, by the value itself or a bilingual synonym ("谈判" → "negotiation")."""
    hits = Reading(text, Lexicon(), dt.date.today()).enum_words(tuple(values))
    return hits[0].value if hits else None


def extract_free_text(text: str, command_words: frozenset[str] = frozenset()) -> str:
    """The message without leading command words; the whole message when nothing is left."""
    trimmed, _ = free_text(text, [], command_words)
    return trimmed or text.strip()
