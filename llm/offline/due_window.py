"""How far ahead a list of things due is asked for: "tasks due in the next 3 days", "what's on my plate this week",
"三天内到期的任务", "这周有哪些待办" ask for what falls due within that many days from today (a `days_ahead`
argument: today is 0, "this week" runs to its Sunday), not for a period the records were made in."""
from __future__ import annotations

import datetime as dt
import re

from llm.offline.numbers import parse_number
from llm.offline.text import Found

_NUMBER = r"(\d+|[一二两三四五六七八九十]+|two|three|four|five|six|seven|eight|nine|ten|fourteen|thirty)"
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "天": 1, "日": 1, "周": 7, "星期": 7, "个星期": 7,
              "礼拜": 7, "个礼拜": 7}
_AHEAD = (
    # "in the next 3 days", "within two weeks", "over the coming 5 days", "next 10 days"
    re.compile(rf"\b(?:(?:in|within|over|during|for)\s+)?(?:the\s+)?(?:next|coming|following)\s+{_NUMBER}\s+"
               rf"(days?|weeks?)\b|\bwithin\s+(?:the\s+next\s+)?{_NUMBER}\s+(days?|weeks?)\b", re.I),
    # "三天内", "两周之内", "未来五天", "接下来3天"
    re.compile(rf"(?:未来|接下来|之后|往后)\s*{_NUMBER}\s*(个星期|星期|个礼拜|礼拜|周|天|日)|"
               rf"{_NUMBER}\s*(个星期|星期|个礼拜|礼拜|周|天|日)\s*(?:之内|以内|内)"),
)
_THIS_WEEK = re.compile(r"\b(?:this|the rest of the)\s+week\b|这周|本周|这个星期|这星期|这个礼拜|这礼拜|本星期", re.I)
_TODAY = re.compile(r"\btoday\b|今天|今日", re.I)
_TOMORROW = re.compile(r"\btomorrow\b|明天|明日", re.I)


def find_days_ahead(text: str, today: dt.date) -> list[Found]:
    """Spans saying how far ahead, valued in days from `today`; the first said first."""
    found = []
    for pattern in _AHEAD:
        for m in pattern.finditer(text):
            groups = [g for g in m.groups() if g]
            count, per = parse_number(groups[0].lower()), _UNIT_DAYS.get(groups[1].lower())
            if count and per:
                found.append(Found(int(count * per), m.start(), m.end(), m.group(0)))
    for pattern, days in ((_THIS_WEEK, 6 - today.weekday()), (_TODAY, 0), (_TOMORROW, 1)):
        found += [Found(days, m.start(), m.end(), m.group(0)) for m in pattern.finditer(text)]
    return sorted(found, key=lambda f: f.start)
