"""How many records a list is asked to show: "my top 3 deals", "the five biggest deals I have", "which three of my
open opportunities", "金额最大的三个商机", "前两个", "最快能成交的三个单子". A count read fills a `list_count` slot and,
like an order, never makes a tool fit better: it says how much of the list to show, not which records are asked for."""
from __future__ import annotations

import re

from llm.offline.numbers import EN_WORDS, parse_number
from llm.offline.text import Found

MOST = 50  # the longest list a count may ask for
_EN_NUM = r"\d{1,2}|" + "|".join(w for w in EN_WORDS if w not in ("a", "an", "one", "hundred"))
_CN_NUM = r"\d{1,2}|[一二两三四五六七八九十]{1,3}"
_RECORDS_EN = r"(?:deals?|opportunit(?:y|ies)|ones|accounts?|customers?|contacts?|tasks?)"
_RECORDS_ZH = r"(?:商机|单子|订单|项目|机会|交易|客户|联系人|任务)"
# a count said of time, money or shares is no count of records: "三个月", "两个星期", "3个点"
_NOT_RECORDS_ZH = r"(?!月|点|星期|礼拜|工作日|季度|小时|钟头|人民币|百分点)"
# Where one is counted ("top 1", "前一个", "最大的一个"); elsewhere a "one" names a record and counts nothing.
_ONE_COUNTS = (0, 3, 4)
_PATTERNS = (
    # "top 3", "the top five", "first two"
    re.compile(rf"\b(?:top|first)\s+({_EN_NUM})\b", re.I),
    # "the five biggest deals", "which three of my open opportunities", "my two likeliest ones"
    re.compile(rf"\b(?:the|my|which|what|show(?:\s+me)?|list|give\s+me|get\s+me)\s+({_EN_NUM})\s+"
               rf"(?:of\s+(?:my|the|our)\s+)?(?:[a-z-]+\s+){{0,3}}?{_RECORDS_EN}\b", re.I),
    # "which three of those", "the two of them": a count of the list just shown
    re.compile(rf"\b(?:the|which|what|show(?:\s+me)?|list|give\s+me|get\s+me)\s+({_EN_NUM})\s+of\s+(?:them|those|these)\b",
               re.I),
    # "前三个", "前两个商机", "前5"
    re.compile(rf"前({_CN_NUM})(?:个|名|笔|单|条)?{_NOT_RECORDS_ZH}"),
    # "最大的三个", "最快能成交的两个单子", "金额最高的五笔"
    re.compile(rf"最[^，,。？?！!的]{{1,8}}的({_CN_NUM})(?:个|笔|单|条|家|位){_NOT_RECORDS_ZH}"),
    # "三个最大的单子", "哪两个单子": a count before the records (never one: "一个商机" names one, it counts nothing)
    re.compile(rf"(?<![第前一])({_CN_NUM})(?:个|笔|单|家){_NOT_RECORDS_ZH}(?:[^，,。？?！!]{{0,8}}?){_RECORDS_ZH}"),
    # "其中三个最大的", "这些里面两个": a count of the list just shown
    re.compile(rf"(?:其中|这些里面?|这些中)(?:的)?({_CN_NUM})(?:个|笔|单|家){_NOT_RECORDS_ZH}"),
)


# One record asked for by a superlative in the singular: "what is my biggest deal", "the largest opportunity we
# have", "我最大的单子是哪个": the first of the ranked list, not the whole list (plural "my biggest deals" stays a list)
_THE_ONE = re.compile(r"\b(?:my|the|our)\s+(?:single\s+)?(?:biggest|largest|smallest|most\s+valuable|highest[- ]value)\s+"
                      r"(?:open\s+|won\s+|active\s+)?(?:deal|opportunity)\b(?!s|\s+(?:size|value|amount|count))|"
                      r"最[^，,。？?！!的]{1,8}的(?:单子|商机|订单|项目)(?:是)?哪(?:个|一个|单|笔|一单)", re.I)


def find_count(text: str) -> Found | None:
    """The count of records asked for in `text` (2-50, or 1 after "top"/"前"/"最…的", or of one record asked by a
    superlative in the singular), or None."""
    # (its span is the phrase's last character: "my" and "biggest" are the owner's and the order's words)
    found = [Found(1, m.end() - 1, m.end(), m.group(0)) for m in _THE_ONE.finditer(text)][:1]
    for n, pattern in enumerate(_PATTERNS):
        for m in pattern.finditer(text):
            value = parse_number(m.group(1))
            if value is None or not value.is_integer() or not 1 <= value <= MOST or (value == 1 and n not in _ONE_COUNTS):
                continue
            found.append(Found(int(value), m.start(1), m.end(1), m.group(0)))
    return min(found, key=lambda f: f.start) if found else None
