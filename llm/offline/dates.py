"""Dates and periods in English and Chinese, read relative to a given `today`."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache

from llm.offline.numbers import parse_number
from llm.offline.text import Found

MONTHS = {m: i for i, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
     ("november", "nov"), ("december", "dec")], start=1) for m in names}
WEEKDAYS_EN = {m: i for i, names in enumerate(
    [("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"), ("thursday", "thu", "thur", "thurs"),
     ("friday", "fri"), ("saturday", "sat"), ("sunday", "sun")]) for m in names}
WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "1": 0, "2": 1, "3": 2,
               "4": 3, "5": 4, "6": 5, "7": 6}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_WD_EN_RE = "|".join(sorted(WEEKDAYS_EN, key=len, reverse=True))
_CN_SMALL = "[0-9０-９一二两三四五六七八九十]{1,3}"
_WEEK_ZH = "(?:周|星期|礼拜)"
_NUM = r"\d+|[零一二两三四五六七八九十百]+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|thirty|ninety"


def _n(s: str) -> int:
    return int(parse_number(s) or 0)


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, _month_end(year, month).day))


def _month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))


def month_period(year: int, month: int) -> dict:
    return {"start": dt.date(year, month, 1).isoformat(), "end": _month_end(year, month).isoformat(),
            "label": f"{year}-{month:02d}"}


def quarter_period(year: int, q: int) -> dict:
    return {"start": dt.date(year, 3 * q - 2, 1).isoformat(), "end": _month_end(year, 3 * q).isoformat(),
            "label": f"{year}-Q{q}"}


def year_period(year: int) -> dict:
    return {"start": f"{year}-01-01", "end": f"{year}-12-31", "label": str(year)}


def week_period(monday: dt.date) -> dict:
    iso = monday.isocalendar()
    return {"start": monday.isoformat(), "end": (monday + dt.timedelta(days=6)).isoformat(),
            "label": f"{iso[0]}-W{iso[1]:02d}"}


def day_period(day: dt.date) -> dict:
    return {"start": day.isoformat(), "end": day.isoformat(), "label": day.isoformat()}


def _quarter_of(d: dt.date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3 + 1


def _shift_quarter(d: dt.date, delta: int) -> tuple[int, int]:
    y, q = _quarter_of(d)
    idx = y * 4 + (q - 1) + delta
    return idx // 4, idx % 4 + 1


def _monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


# ---- dates -------------------------------------------------------------------------------------------

_REL_DAYS = [(r"\bday after tomorrow\b|大后天(?!.)|后天", 2), (r"\bday before yesterday\b|前天", -2),
             (r"\btoday\b|今天|今日", 0), (r"\byesterday\b|昨天|昨日", -1), (r"\btomorrow\b|明天|明日", 1)]


@lru_cache(maxsize=4)
def _date_rules(today: dt.date) -> list[tuple[re.Pattern, Callable[[re.Match], dt.date | None]]]:
    def ymd(y, m, d):
        try:
            return dt.date(int(y), int(m), int(d))
        except ValueError:
            return None

    def weekday(which: str, wd: int) -> dt.date:
        monday = _monday(today)
        if which in ("next", "下"):
            return monday + dt.timedelta(days=7 + wd)
        if which in ("last", "上"):
            return monday + dt.timedelta(days=wd - 7)
        if which in ("this", "本", "这", "这个"):
            return monday + dt.timedelta(days=wd)
        ahead = (wd - today.weekday()) % 7  # bare "Friday" / 周五: the coming one, today included
        return today + dt.timedelta(days=ahead)

    rules: list[tuple[re.Pattern, Callable[[re.Match], dt.date | None]]] = [
        (re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"), lambda m: ymd(*m.groups())),
        (re.compile(rf"(?:(\d{{4}})\s*年\s*)?({_CN_SMALL})\s*月\s*({_CN_SMALL})\s*[日号]"),
         lambda m: ymd(m.group(1) or today.year, _n(m.group(2)), _n(m.group(3)))),
        (re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(\d{{4}}))?", re.I),
         lambda m: ymd(m.group(3) or today.year, MONTHS[m.group(1).lower()], m.group(2))),
        (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\b\.?(?:,?\s*(\d{{4}}))?", re.I),
         lambda m: ymd(m.group(3) or today.year, MONTHS[m.group(2).lower()], m.group(1))),
        (re.compile(rf"\bin\s+({_NUM})\s+days?\b|({_NUM})\s*天(?:以)?后|\b({_NUM})\s+days?\s+from\s+now\b", re.I),
         lambda m: today + dt.timedelta(days=_n(m.group(1) or m.group(2) or m.group(3)))),
        (re.compile(rf"\b({_NUM})\s+days?\s+ago\b|({_NUM})\s*天(?:以)?前", re.I),
         lambda m: today - dt.timedelta(days=_n(m.group(1) or m.group(2)))),
        (re.compile(rf"\b(next|last|this|coming)?\s*({_WD_EN_RE})\b", re.I),
         lambda m: weekday((m.group(1) or "").lower().replace("coming", ""), WEEKDAYS_EN[m.group(2).lower()])),
        (re.compile(rf"(下|上|本|这个|这)?(?:个)?{_WEEK_ZH}([一二三四五六日天1-7])"),
         lambda m: weekday(m.group(1) or "", WEEKDAYS_ZH[m.group(2)])),
    ]
    def end_of(which: str, unit: str) -> dt.date:
        ahead = which in ("next", "下", "下个", "明")
        if unit in ("week", "周"):  # the working week ends on Friday
            return _monday(today) + dt.timedelta(days=4 + (7 if ahead else 0))
        if unit in ("year", "年"):
            return dt.date(today.year + (1 if ahead else 0), 12, 31)
        first = add_months(today.replace(day=1), 1 if ahead else 0)
        return _month_end(first.year, first.month)

    def end_of_month(year: str | None, month: int) -> dt.date | None:
        return _month_end(int(year or today.year), month) if 1 <= month <= 12 else None

    rules += [  # "end of January", "1月底", "2027年3月末": the last day of the month named
        (re.compile(rf"\b(?:the\s+)?end\s+of\s+({_MONTH_RE})\b\.?(?:,?\s*(\d{{4}}))?", re.I),
         lambda m: end_of_month(m.group(2), MONTHS[m.group(1).lower()])),
        (re.compile(rf"(?:(\d{{4}})\s*年\s*)?({_CN_SMALL})\s*月(?:份)?(?:底|末)"),
         lambda m: end_of_month(m.group(1), _n(m.group(2)))),
    ]
    rules += [  # "end of next week", "EOM", "月底": a due day (a period of that week or month stays one: find_periods)
        (re.compile(r"\b(?:the\s+)?end\s+of\s+(?:the\s+)?(this|next)?\s*(week|month|year)\b", re.I),
         lambda m: end_of((m.group(1) or "").lower(), m.group(2).lower())),
        (re.compile(r"(明|今)?年(?:底|末)"), lambda m: end_of(m.group(1) or "", "年")),
        (re.compile(r"\bEO(W|M)\b"), lambda m: end_of("", "week" if m.group(1) == "W" else "month")),
        (re.compile(r"(下个|下|本|这个|这)?月(?:底|末)"), lambda m: end_of(m.group(1) or "", "month")),
    ]
    for pattern, delta in _REL_DAYS:
        rules.append((re.compile(pattern, re.I), lambda m, d=delta: today + dt.timedelta(days=d)))

    def coming(month: int, day: int) -> dt.date:  # a holiday said alone: its next date, today included
        this_year = dt.date(today.year, month, day)
        return this_year if this_year >= today else dt.date(today.year + 1, month, day)

    rules += [  # holidays on a fixed day of the year: "Christmas", "圣诞节", "New Year's Day", "元旦"
        (re.compile(r"\b(?:christmas|xmas)(?:\s+day)?\b|圣诞节?", re.I), lambda m: coming(12, 25)),
        (re.compile(r"\bnew\s+year'?s(?:\s+day)?\b|\bnew\s+year\s+day\b|元旦", re.I), lambda m: coming(1, 1)),
    ]
    return rules


_END_OF = re.compile(r"(?:the\s+)?end\s+of\b|EO[WM]\b|.{0,2}月[底末]", re.I)
_YEAR = re.compile(r"\byear\b|年", re.I)


def find_dates(text: str, today: dt.date) -> list[Found]:
    """Calendar days: ISO, 3月5日, March 5, yesterday/昨天, next Monday/下周一, in 3 days/三天后 ..."""
    return _scan(text, [(p, lambda m, f=f: (lambda d: d.isoformat() if d else None)(f(m)))
                        for p, f in _date_rules(today)])


# ---- periods -----------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _period_rules(today: dt.date) -> list[tuple[re.Pattern, Callable[[re.Match], dict | None]]]:
    y = today.year

    def rel_quarter(delta: int) -> dict:
        return quarter_period(*_shift_quarter(today, delta))

    def rel_month(delta: int) -> dict:
        d = add_months(today.replace(day=1), delta)
        return month_period(d.year, d.month)

    def rolling(n: int, unit: str) -> dict:
        unit = unit.lower()
        if unit.startswith(("day", "天", "日")):
            start = today - dt.timedelta(days=n - 1)
        elif unit.startswith(("week", "周", "个星期", "星期")):
            start = today - dt.timedelta(days=7 * n - 1)
        elif unit.startswith(("year", "年")):
            start = add_months(today, -12 * n) + dt.timedelta(days=1)
        else:
            start = add_months(today, -n) + dt.timedelta(days=1)
        return {"start": start.isoformat(), "end": today.isoformat(), "label": f"last {n} {_unit_en(unit)}"}

    def month_of(m: re.Match, year_group: int, month_group: int) -> dict | None:
        month = _n(m.group(month_group)) if not m.group(month_group).isalpha() else MONTHS[m.group(month_group).lower()]
        year = int(m.group(year_group)) if m.group(year_group) else y
        return month_period(year, month) if 1 <= month <= 12 else None

    def year_of(word: str) -> int:
        w = word.lower()
        return y - 1 if w.startswith(("last", "去", "上")) else y + 1 if w.startswith(("next", "明", "下")) else y

    def so_far(year: int) -> dict:
        end = today if year == y else dt.date(year, 12, 31)
        return {"start": f"{year}-01-01", "end": end.isoformat(), "label": f"{year} to date"}

    rel_year = r"(今年|去年|明年|本年|上一年|下一年)"
    rel_year_en = r"(this|last|next)\s+year'?s?"
    return [
        (re.compile(rf"{rel_year}\s*的?\s*第?([一二三四1-4])\s*季度|{rel_year}\s*的?\s*q([1-4])", re.I),
         lambda m: quarter_period(year_of(m.group(1) or m.group(3)), _n(m.group(2) or m.group(4)))),
        (re.compile(rf"\bq([1-4])\s+(?:of\s+)?{rel_year_en}|\b{rel_year_en}\s+q([1-4])\b", re.I),
         lambda m: quarter_period(year_of(m.group(2) or m.group(3)), int(m.group(1) or m.group(4)))),
        (re.compile(rf"{rel_year}\s*的?\s*({_CN_SMALL})\s*月份?(?!\s*{_CN_SMALL}\s*[日号])"),
         lambda m: (lambda mo: month_period(year_of(m.group(1)), mo) if 1 <= mo <= 12 else None)(_n(m.group(2)))),
        (re.compile(r"\b(?:in\s+|for\s+)?(\d{4})\s+(?:so\s+far|to\s+date)\b|(\d{4})\s*年?(?:以来|至今|到目前为止)", re.I),
         lambda m: so_far(int(m.group(1) or m.group(2)))),
        (re.compile(r"\b(?:so\s+far\s+this\s+year|this\s+year\s+so\s+far|this\s+year\s+to\s+date)\b", re.I),
         lambda m: so_far(y)),
        (re.compile(rf"\b(?:last|past|previous|the last|the past)\s+({_NUM})\s+(days?|weeks?|months?|years?)\b"
                    rf"|(?:最近|近|过去|前)\s*({_NUM})\s*(天|日|周|个星期|个月|月|年)", re.I),
         lambda m: rolling(_n(m.group(1) or m.group(3)), m.group(2) or m.group(4))),
        (re.compile(r"\b(?:ytd|year[- ]to[- ]date)\b|今年以来|今年至今|年初至今|今年到目前为止", re.I),
         lambda m: so_far(y)),
        (re.compile(r"\b(?:q([1-4])\s*(?:of\s+)?(\d{4})|(\d{4})\s*q([1-4]))\b|(\d{4})\s*年?\s*q([1-4])", re.I),
         lambda m: quarter_period(int(m.group(2) or m.group(3) or m.group(5)),
                                  int(m.group(1) or m.group(4) or m.group(6)))),
        (re.compile(r"(?:(\d{4})\s*年\s*)?第?([一二三四1-4])季度"),
         lambda m: quarter_period(int(m.group(1) or y), _n(m.group(2)))),
        (re.compile(r"\bq([1-4])\b", re.I), lambda m: quarter_period(y, int(m.group(1)))),
        (re.compile(r"\b(?:this|current|the current)\s+quarter\b|本季度|这个季度|这季度|当季度|本季|当季", re.I),
         lambda m: rel_quarter(0)),
        (re.compile(r"\b(?:last|previous|prior)\s+quarter\b|上个季度|上一季度|上一个季度|上季度|上季", re.I),
         lambda m: rel_quarter(-1)),
        (re.compile(r"\bnext\s+quarter\b|下个季度|下一季度|下季度|下季", re.I), lambda m: rel_quarter(1)),
        (re.compile(rf"(\d{{4}})\s*年\s*({_CN_SMALL})\s*月份?(?!\s*{_CN_SMALL}\s*[日号])"),
         lambda m: month_of(m, 1, 2)),
        (re.compile(r"\b(\d{4})-(\d{1,2})\b(?![-/]\d)"), lambda m: month_of(m, 1, 2)),
        (re.compile(rf"\b({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I),
         lambda m: month_period(int(m.group(2)), MONTHS[m.group(1).lower()])),
        (re.compile(rf"\b(?:in|during|for|since)\s+({_MONTH_RE})\b(?!\s+\d)", re.I),
         lambda m: month_period(y, MONTHS[m.group(1).lower()])),
        (re.compile(rf"(?<![年\d])({_CN_SMALL})\s*月份?(?!\s*{_CN_SMALL}\s*[日号])(?<!个月)"),
         lambda m: (lambda mo: month_period(y, mo) if 1 <= mo <= 12 else None)(_n(m.group(1)))),
        (re.compile(r"\b(?:this|current|the current)\s+month\b|本月|这个月|当月|这月", re.I), lambda m: rel_month(0)),
        (re.compile(r"\b(?:last|previous|prior)\s+month\b|上个月|上一个月|上月", re.I), lambda m: rel_month(-1)),
        (re.compile(r"\bnext\s+month\b|下个月|下一个月|下月", re.I), lambda m: rel_month(1)),
        (re.compile(rf"\b(?:this|current)\s+week\b|(?:本|这个?)(?:周|星期|礼拜)(?![一二三四五六日天1-7])", re.I),
         lambda m: week_period(_monday(today))),
        (re.compile(rf"\b(?:last|previous|prior)\s+week\b|上个?(?:周|星期|礼拜)(?![一二三四五六日天1-7])", re.I),
         lambda m: week_period(_monday(today) - dt.timedelta(days=7))),
        (re.compile(rf"\bnext\s+week\b|下个?(?:周|星期|礼拜)(?![一二三四五六日天1-7])", re.I),
         lambda m: week_period(_monday(today) + dt.timedelta(days=7))),
        (re.compile(r"\b(?:this|current)\s+(?:fiscal\s+)?year\b|今年|本年度|本年", re.I), lambda m: year_period(y)),
        (re.compile(r"\b(?:last|previous|prior)\s+year\b|去年|上一年|上年度", re.I), lambda m: year_period(y - 1)),
        (re.compile(r"\bnext\s+year\b|明年|下一年", re.I), lambda m: year_period(y + 1)),
        (re.compile(r"(?:\b(?:in|during|for|fy)\s*|(?<!\d))(\d{4})\s*年(?!\s*\d{0,2}\s*[月季第])"
                    r"|\b(?:in|during|for|fy)\s*(\d{4})\b", re.I),
         lambda m: year_period(int(m.group(1) or m.group(2)))),
    ]


def _unit_en(unit: str) -> str:
    for key, word in (("day", "days"), ("天", "days"), ("日", "days"), ("week", "weeks"), ("周", "weeks"),
                      ("星期", "weeks"), ("year", "years"), ("年", "years")):
        if key in unit:
            return word
    return "months"


def find_periods(text: str, today: dt.date) -> list[Found]:
    """Periods as {"start", "end", "label"} (ISO dates, end inclusive); a named day counts as a 1-day period."""
    periods = _scan(text, _period_rules(today))
    # the end of a week or month is a due day that leaves its period whole ("by the end of this month": this month);
    # the end of the year said with "by" is the period up to it ("what can I still close by the end of the year")
    days = [_day_or_since(text, d, today) for d in find_dates(text, today)
            if not _END_OF.match(d.surface) or (_BY_BEFORE.search(text[: d.start]) and _YEAR.search(d.surface))]
    chosen: list[Found] = []
    for f in sorted(periods + days, key=lambda f: (f.start - f.end, f.strength == 1)):  # longer first
        if not any(f.span.overlaps(c.span) for c in chosen):
            chosen.append(f)
    return sorted(chosen, key=lambda f: f.start)


# "by Christmas", "before 15 December", "圣诞节前", "12月20日之前": up to that day
_BY_BEFORE = re.compile(r"\b(?:by|before|until|till|no\s+later\s+than|ahead\s+of|prior\s+to)\s*(?:the\s+)?$", re.I)
_BY_AFTER = re.compile(r"^\s*(?:之前|以前|前)(?![一二三四五六七八九十两几\d])")


def _day_or_since(text: str, day: Found, today: dt.date) -> Found:
    """A named day is a one-day period, or the period from it to today after 'since' / 自...以来, or the period up to
    it when said "by" or "before" a day still ahead ("by Christmas", "圣诞节前", "before Dec 20"): what is expected by
    then, with no start (what should have closed already and is still open is closable by then too)."""
    by, after = _BY_BEFORE.search(text[: day.start]), _BY_AFTER.match(text[day.end:])
    if (by or after) and day.value > today.isoformat():
        start, end = (by.start() if by else day.start), day.end + (after.end() if after else 0)
        return Found({"end": day.value, "label": f"by {day.value}"}, start, end, text[start:end], 1)
    since = re.search(r"(?:\bsince|自从|自|从)\s*$", text[: day.start], re.I)
    until = re.match(r"\s*(?:以来|至今|到现在)", text[day.end:])
    if since and (until or since.group(0).strip().lower() == "since") and day.value > today.isoformat() and \
            (dt.date.fromisoformat(day.value) - today).days < 7:  # "since Monday" said on a Thursday: the last one
        day = Found((dt.date.fromisoformat(day.value) - dt.timedelta(days=7)).isoformat(), day.start, day.end,
                    day.surface, day.strength)
    if since and (until or since.group(0).strip().lower() == "since") and day.value <= today.isoformat():
        end = day.end + (until.end() if until else 0)
        return Found({"start": day.value, "end": today.isoformat(), "label": f"since {day.value}"},
                     since.start(), end, text[since.start(): end], 1)
    return Found(day_period(dt.date.fromisoformat(day.value)), day.start, day.end, day.surface, 1)


def _scan(text: str, rules) -> list[Found]:
    """Apply rules in order; earlier rules win overlapping text."""
    found: list[Found] = []
    for pattern, build in rules:
        for m in pattern.finditer(text):
            if m.end() == m.start() or any(m.start() < f.end and f.start < m.end() for f in found):
                continue
            try:
                value = build(m)
            except (ValueError, KeyError):
                value = None
            if value is not None:
                found.append(Found(value, m.start(), m.end(), m.group(0).strip()))
    return sorted(found, key=lambda f: f.start)
