"""Claims in a model-written draft that the store's facts do not support.

A draft an LLM writes from grounded facts may still say more than the facts: a discount nobody offered, an amount,
a date, another product, a record id, a promise. Each such claim is found here by its form (amounts, percentages,
dates, record ids, product names, promise words) and kept only when the facts say the same thing; the caller shows
the grounded template instead of a draft with any unsupported claim."""
from __future__ import annotations

import re
from collections.abc import Iterable

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_RECORD = re.compile(r"\b[DAC]-\d+\b")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|％|percent|个百分点)|([一二三四五六七八九]折|\d+(?:\.\d+)?\s*折)")
_MONEY = re.compile(r"(?:[¥$€£]|RMB\s?|CNY\s?|USD\s?)\s?(\d[\d,]*(?:\.\d+)?)\s*([kKmM万亿]?)|"
                    r"(\d[\d,]*(?:\.\d+)?)\s*([kKmM]?)\s*(?:元|块|美元|dollars|yuan|euros)|(\d[\d,]*(?:\.\d+)?)\s*万")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_ZH_DATE = re.compile(r"(\d{1,2})月(\d{1,2})[日号]")
_EN_DATE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(MONTHS) + r")\b|\b(" + "|".join(MONTHS)
                      + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b", re.IGNORECASE)
_BIG_NUMBER = re.compile(r"(?<![\w-])(\d[\d,]{2,}(?:\.\d+)?)(?![\w%])")
PROMISES = ("guarantee", "free of charge", "for free", "complimentary", "no cost", "refund",
            "保证", "承诺", "免费", "退款", "赠送")


def unsupported_claims(draft: str, facts: str, products: Iterable[str] = ()) -> list[str]:
    """What `draft` claims that `facts` (the grounded facts as text) does not: one phrase per claim, in the order
    found. `products` is the catalogue: naming a product the facts do not name is a claim too."""
    found: list[str] = []
    lowered_facts = facts.lower()
    fact_amounts = _amounts(facts)
    fact_dates = _dates(facts)
    for record in _RECORD.findall(draft):
        if record not in facts:
            found.append(f"record {record}")
    for match in _PERCENT.finditer(draft):
        if match.group(0) not in facts and not (match.group(1) and f"{match.group(1)}%" in facts):
            found.append(f"'{match.group(0).strip()}' (a rate or discount)")
    for phrase, amount in _money(draft):
        if amount not in fact_amounts:
            found.append(f"'{phrase.strip()}' (an amount)")
    for phrase, day in _date_mentions(draft):
        if day not in fact_dates:
            found.append(f"'{phrase}' (a date)")
    for number in _BIG_NUMBER.findall(draft):
        value = float(number.replace(",", ""))
        if value not in fact_amounts and not _inside_claimed(number, found) and not _is_year(value):
            found.append(f"'{number}' (a figure)")
    for product in products:
        if product and product.lower() in draft.lower() and product.lower() not in lowered_facts:
            found.append(f"{product} (a product the facts do not name)")
    for word in PROMISES:
        if word in draft.lower() and word not in lowered_facts:
            found.append(f"'{word}' (a promise)")
    return found


def _amounts(text: str) -> set[float]:
    values = {amount for _, amount in _money(text)}
    values |= {float(n.replace(",", "")) for n in _BIG_NUMBER.findall(text)}
    return values


def _money(text: str) -> list[tuple[str, float]]:
    out = []
    for m in _MONEY.finditer(text):
        if m.group(5):
            number, scale = m.group(5), "万"
        else:
            number, scale = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        value = float(number.replace(",", "")) * {"k": 1e3, "m": 1e6, "万": 1e4, "亿": 1e8}.get(scale.lower(), 1)
        out.append((m.group(0), round(value, 2)))
    return out


def _dates(text: str) -> set[tuple[int, int]]:
    return {day for _, day in _date_mentions(text)}


def _date_mentions(text: str) -> list[tuple[str, tuple[int, int]]]:
    """(phrase, (month, day)) for each date the text names, whatever its form."""
    out = [(m.group(0), (int(m.group(2)), int(m.group(3)))) for m in _ISO_DATE.finditer(text)]
    out += [(m.group(0), (int(m.group(1)), int(m.group(2)))) for m in _ZH_DATE.finditer(text)]
    for m in _EN_DATE.finditer(text):
        day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        out.append((m.group(0), (MONTHS.index(month.lower()) + 1, int(day))))
    return out


def _inside_claimed(number: str, found: list[str]) -> bool:
    return any(number in claim for claim in found)


def _is_year(value: float) -> bool:
    return value.is_integer() and 2000 <= value <= 2100
