"""Numbers in English and Chinese: amounts of money, percentages (also 打八五折), plain integers."""
from __future__ import annotations

import re

from llm.offline.text import Found, at_word_edges

CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5,
            "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNIT = {"十": 10, "百": 100, "千": 1000}
CN_BIG = {"万": 10_000, "亿": 100_000_000}
CN_NUM = "零〇一幺二两俩三四五六七八九十百千万亿"
EN_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
            "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90, "hundred": 100}
MULTIPLIER = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9,
              "bn": 1e9, "billion": 1e9, "w": 1e4, "万": 1e4, "千": 1e3, "百万": 1e6, "千万": 1e7, "亿": 1e8,
              "万亿": 1e12}


def parse_cn_int(s: str) -> int | None:
    """'三万' → 30000, '一百零五' → 105, '两千五' → 2500 (colloquial), '十五' → 15; None if not a numeral."""
    if not s or any(ch not in CN_NUM for ch in s):
        return None
    total = section = number = 0
    last_unit, after_zero = 1, False
    for ch in s:
        if ch in CN_DIGIT:
            number = CN_DIGIT[ch]
            after_zero = after_zero or ch in "零〇"
        elif ch in CN_UNIT:
            section += (number or 1) * CN_UNIT[ch]
            number, last_unit, after_zero = 0, CN_UNIT[ch], False
        else:  # 万 / 亿
            total = (total + section + number) * CN_BIG[ch]
            section = number = 0
            last_unit, after_zero = CN_BIG[ch], False
    if number and last_unit > 1 and not after_zero and s[-1] in CN_DIGIT and s[-2:-1] not in ("", *CN_DIGIT):
        number *= last_unit // 10  # 两千五 = 2500, 一万五 = 15000
    return total + section + number


def parse_number(s: str) -> float | None:
    """An Arabic ('50,000', '2.5'), Chinese ('三万') or small English ('five') number."""
    s = s.strip().replace(",", "").replace("，", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return float(s)
    if s.lower() in EN_WORDS:
        return float(EN_WORDS[s.lower()])
    if "点" in s:
        whole, _, frac = s.partition("点")
        w = parse_cn_int(whole) if whole else 0
        digits = "".join(str(CN_DIGIT.get(ch, "")) for ch in frac)
        if w is not None and digits and len(digits) == len(frac):
            return float(f"{w}.{digits}")
        return None
    value = parse_cn_int(s)
    return float(value) if value is not None else None


def tidy(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 4)


_AR = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CUR_PRE = r"(?P<pre>[¥￥$€£]|us\$|rmb|cny|usd|eur|gbp)"
_MULT = r"(?P<mult>万亿|百万|千万|万|千|亿|thousand|million|billion|mm|mn|bn|k|m|b|w)"
_CUR_POST = r"(?P<post>块钱|人民币|美元|美金|欧元|英镑|元|块|rmb|cny|usd|eur|gbp|dollars?|bucks|yuan|euros?)"
_AMOUNT = re.compile(
    rf"{_CUR_PRE}?\s*(?P<num>{_AR}|[零〇一二两三四五六七八九十百千万亿点]+)\s*{_MULT}?\s*{_CUR_POST}?",
    re.IGNORECASE,
)
_NOT_AMOUNT_AFTER = re.compile(r"\s*(%|％|percent|pct|折|天|日|号|月|年|周|星期|days?|weeks?|months?|years?|"
                               r"个|人|次|点|:|/|-\d|季度|quarter|小时|hours?|minutes?|分钟)", re.IGNORECASE)


def find_amounts(text: str) -> list[Found]:
    """Money amounts. Marked ones (currency or 万/k/million) have strength 2, bare Arabic numbers 1."""
    out: list[Found] = []
    for m in _AMOUNT.finditer(text):
        num, pre, mult, post = m.group("num"), m.group("pre"), m.group("mult"), m.group("post")
        is_cn = not re.match(r"\d", num)
        if is_cn:  # a Chinese numeral counts only with its own 万/千/百 or a currency
            base = parse_number(num)
            if base is None or not (mult or post or re.search("[万亿千百]", num)):
                continue
        else:
            base = parse_number(num)
        if base is None or not at_word_edges(text, m.start(), m.end()):
            continue
        if mult and mult.lower() in ("m", "b", "k", "w") and re.match(r"[a-z]", text[m.end("mult"):m.end("mult") + 1], re.I):
            continue
        marked = bool(pre or post or mult or is_cn)
        if not (pre or post) and _NOT_AMOUNT_AFTER.match(text, m.end()):
            continue  # 三百个客户, 5万人: counts, not money
        if not marked:
            if _NOT_AMOUNT_AFTER.match(text, m.end()) or re.search(r"(q|第|fy)\s*$", text[: m.start()], re.I):
                continue
            if re.fullmatch(r"(19|20)\d\d", num):  # a bare year is not money
                continue
        value = base * MULTIPLIER.get((mult or "").lower(), 1)
        out.append(Found(tidy(value), m.start(), m.end(), m.group(0).strip(), 2 if marked else 1))
    return out


_PCT = re.compile(rf"(?P<num>{_AR})\s*(?:%|％|\s*percent\b|\s*per cent\b|\s*pct\b)", re.IGNORECASE)
_PCT_CN = re.compile(r"百分之(?P<num>[\d.]+|[零〇一二两三四五六七八九十百点]+)")
_DISCOUNT = re.compile(r"打?\s*(?P<num>\d(?:\.\d|\d)?|[一二三四五六七八九][一二三四五六七八九]?)\s*折")


def find_percents(text: str) -> list[Found]:
    """Percentages: '15%', '15 percent', '百分之十五', and Chinese discounts ('打八五折' is 15% off)."""
    out: list[Found] = []
    for pattern in (_PCT, _PCT_CN):
        for m in pattern.finditer(text):
            value = parse_number(m.group("num"))
            if value is not None:
                out.append(Found(tidy(value), m.start(), m.end(), m.group(0)))
    for m in _DISCOUNT.finditer(text):
        raw = m.group("num")
        digits = "".join(str(CN_DIGIT[ch]) if ch in CN_DIGIT else ch for ch in raw)
        paid = float(digits) * 10 if "." in digits or len(digits) == 1 else float(digits)
        if 0 < paid < 100:
            out.append(Found(tidy(100 - paid), m.start(), m.end(), m.group(0)))
    return sorted(out, key=lambda f: f.start)


_INT = re.compile(r"(?<![\d.,])\d+(?![\d.,]\d)|[零〇一二两三四五六七八九十百千万]+|\b(?:one|two|three|four|five|six|"
                  r"seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|fifty)\b", re.IGNORECASE)


def find_integers(text: str) -> list[Found]:
    """Whole numbers written in digits, Chinese numerals or small English words."""
    out: list[Found] = []
    for m in _INT.finditer(text):
        value = parse_number(m.group(0))
        if value is not None and value.is_integer() and at_word_edges(text, m.start(), m.end()):
            out.append(Found(int(value), m.start(), m.end(), m.group(0), 2 if m.group(0)[0].isdigit() else 1))
    return out
