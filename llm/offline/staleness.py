"""How long records have gone without activity: "deals that haven't had any activity in the last three weeks",
"三周没有跟进的商机", "no activity for 30 days" ask for records idle that long (an `idle_days` argument), not for
a period the records fall in. The cue words are the `staleness:` table of synonyms.yaml."""
from __future__ import annotations

import re
from functools import cache

from llm.offline.numbers import parse_number
from llm.offline.synonyms import staleness_words
from llm.offline.text import Found

_NUMBER = r"(\d+|[一二两三四五六七八九十]+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve)"
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30,
              "天": 1, "日": 1, "周": 7, "星期": 7, "个星期": 7, "礼拜": 7, "个礼拜": 7, "月": 30, "个月": 30}
_EN_SPAN = rf"(?:(?:in|for|over|during|within|since)\s+)?(?:(?:the|a)\s+)?(?:(?:last|past|previous)\s+)?" \
           rf"(?:more than\s+|over\s+|at least\s+)?{_NUMBER}\s+(days?|weeks?|months?)(?:\s+or\s+(?:more|longer))?"
_ZH_SPAN = rf"(?:近|过去|最近|超过|已经|已|有)?\s*{_NUMBER}\s*(个星期|星期|个礼拜|礼拜|周|个月|月|天|日)(?:以上|多)?(?:以来|来|内|里)?"
# "the last week", "上个月": no number said
_EN_ONE = r"(?:(?:in|for|over|during|within|since)\s+)?(?:the\s+)?(?:last|past)\s+(week|month)"


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    words = staleness_words()
    en = "|".join(re.escape(w) if w.startswith("n't") else rf"(?<![a-z]){re.escape(w)}"  # "haven't": inside a word
                  for w in sorted(words["en"], key=len, reverse=True))
    zh = "|".join(re.escape(w) for w in sorted(words["zh"], key=len, reverse=True))
    english = re.compile(rf"(?:{en})(?![a-z])[^.?!;]{{0,30}}?\b(?:{_EN_SPAN}|{_EN_ONE})\b", re.I)
    chinese = re.compile(rf"{_ZH_SPAN}[^。？！，,]{{0,6}}?(?:{zh})|(?:{zh})[^。？！，,]{{0,6}}?{_ZH_SPAN}")
    return english, chinese


def find_idle_days(text: str) -> list[Found]:
    """Spans saying records went without activity for a while, valued in days (a week is 7, a month 30)."""
    found = []
    for pattern in _patterns():
        for m in pattern.finditer(text):
            days = _days(m)
            if days:
                found.append(Found(days, m.start(), m.end(), m.group(0)))
    return found


def _days(m: re.Match[str]) -> int | None:
    groups = [g for g in m.groups() if g]
    if len(groups) == 1:  # "the last week": one of them
        unit, count = groups[0].lower(), 1.0
    elif len(groups) >= 2:
        number, unit = groups[0].lower(), groups[1].lower()
        count = 1.0 if number in ("a", "an") else parse_number(number)
    else:
        return None
    per = _UNIT_DAYS.get(unit)
    return int(count * per) if count and per else None
