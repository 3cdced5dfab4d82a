"""Periods a manager names beyond the plain ones, for `query_metrics`: halves of a year ("H1", "the second half of last
year", "去年下半年"), the one before last ("the month before last", "上上个月", "前年"), a bare quarter ("in Q3": this
year's), a quarter by its ordinal ("the third quarter of 2025"), a season ("over the summer", "去年夏天"), a
period running on to today ("since March", "3月以来", "so far this quarter", "本季度截至目前"), and a second period said as what to compare with ("Q2 versus Q1", "和去年上半年比")."""
from __future__ import annotations

import datetime as dt
import re

from crm.metrics import resolve

_YEAR_EN = r"(?:(?:of\s+)?(this|last|next)\s+year|(?:of\s+|in\s+)?(?:fy\s*)?(20\d{2}))"
_HALF = [
    re.compile(r"\b(20\d{2})\s*[- ]?\s*h([12])\b", re.I),
    re.compile(rf"\b(?:the\s+)?(first|second|1st|2nd)\s+half(?:\s+{_YEAR_EN})?", re.I),
    re.compile(rf"\bh([12])\b(?:\s+{_YEAR_EN})?", re.I),
    re.compile(r"(今年|去年|明年|前年|(20\d{2})\s*年)?\s*的?\s*(上|下)半年(?:度)?"),
    # "this half", "the previous half": the half today is in, or the one before ("the last half year" is six months)
    re.compile(r"\b(this|current|last|previous|prior)\s+half\b(?![- ]?(?:a\s+)?year)", re.I),
]
_BEFORE_LAST = re.compile(r"\b(?:the\s+)?(week|month|quarter|year) before last\b|"
                          r"上上(?:个)?(周|星期|月|季度|季)|前年(?!同期)", re.I)
_GRAIN = {"week": "week", "month": "month", "quarter": "quarter", "year": "year", "周": "week", "星期": "week",
          "月": "month", "季度": "quarter", "季": "quarter"}
_BARE_QUARTER = re.compile(r"(?<![\w-])q([1-4])(?![\w-])|(?<![年度今去明])第([一二三四1-4])季度", re.I | re.ASCII)
_CN_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4}
# on to today: said before the period ("since March", "so far this quarter", "截至目前本季度") or after it ("3月以来",
# "下半年到现在", "this quarter so far", "quarter to date")
# ("since the start of Q3", "from the beginning of the year until now", "从三季度开始到现在", "三季度起至今")
_TO_NOW_BEFORE = re.compile(r"(?:\bsince(?:\s+the\s+(?:start|beginning)\s+of)?|\bso far(?: in| this)?|截至目前|截止目前|"
                            r"截至今天|到目前为止)\s*$", re.I)
_TO_NOW_AFTER = re.compile(r"^\s*(?:的)?\s*(?:开始|起)?\s*(?:以来|至今|到现在|到目前为止|截至目前|截止目前|so far\b|to date\b|"
                           r"(?:up\s+)?until now\b|till now\b|through today\b)", re.I)
_TO_DATE_GRAIN = re.compile(r"\b(quarter|month|week)[- ]to[- ]date\b|\b(qtd|mtd|wtd)\b", re.I)
COMPARE_CUE = re.compile(r"\b(?:vs\.?|versus|compared?|than|against|relative to)\b|对比|相比|比较|比", re.I)
# a change asked between two periods ("how did it move from Q2 to Q3", "从二季度到三季度变化了多少"): compared too
CHANGE_CUE = re.compile(r"\b(?:change[sd]?|changing|move[sd]?|moving|shift(?:ed|s)?|swing|went|go(?:ne)?|improve[sd]?|"
                        r"drop(?:ped|s)?|rise|rose|fell|fall(?:en)?|grow|grew|grown|decline[sd]?)\b|变化|变动|涨了|跌了|提升|"
                        r"下降|上升|下滑|增长|减少", re.I)


def _year(word: str | None, number: str | None, today: dt.date) -> int:
    if number:
        return int(number)
    offset = {"this": 0, "今年": 0, "本财年": 0, "本年度": 0, "今年财年": 0, "last": -1, "去年": -1, "上财年": -1,
              "上一财年": -1, "去年财年": -1, "next": 1, "明年": 1, "前年": -2}
    return today.year + offset.get((word or "this").lower(), 0)


def _half(year: int, second: bool) -> dict:
    start = dt.date(year, 7 if second else 1, 1)
    end = dt.date(year, 12, 31) if second else dt.date(year, 6, 30)
    return {"start": start.isoformat(), "end": end.isoformat(), "label": f"{year} H{2 if second else 1}"}


def find_half(text: str, today: dt.date) -> tuple[dict, tuple[int, int]] | None:
    """ "H1", "first half of last year", "2025 H2", "今年上半年", "2024年下半年": the six months it names (this year's
    when no year is said)."""
    for i, pattern in enumerate(_HALF):
        m = pattern.search(text)
        if not m:
            continue
        if i == 0:
            second, year = m.group(2) == "2", int(m.group(1))
        elif i == 1:
            second, year = m.group(1).lower() in ("second", "2nd"), _year(m.group(2), m.group(3), today)
        elif i == 2:
            second, year = m.group(1) == "2", _year(m.group(2), m.group(3), today)
        elif i == 3:
            second, year = m.group(3) == "下", _year(m.group(1), m.group(2), today)
        else:
            second, year = today.month > 6, today.year
            if m.group(1).lower() in ("last", "previous", "prior"):
                second, year = not second, year - (0 if second else 1)
        return _half(year, second), m.span()
    return None


_HALF_YEAR = re.compile(r"(?:近|过去|最近)\s*的?\s*半\s*年|\b(?:the\s+)?(?:past|last|previous)\s+half[- ]year\b|"
                        r"\b(?:the\s+)?(?:past|last)\s+half\s+(?:a\s+)?year\b", re.I)
# the same period a year back, said as the period itself: "the same quarter last year", "this month last year",
# "去年同一季度", "去年的这个月", "去年同期" (what this quarter, month or week was a year ago)
_SAME_LAST_YEAR = re.compile(r"\b(?:the\s+)?same\s+(week|month|quarter)\s+(?:of\s+)?(?:last year|a year (?:ago|earlier|before))\b|"
                             r"\bthis\s+(week|month|quarter)\s+last year\b|"
                             r"去年\s*的?\s*(?:同一|同一个|同个|同|这个|这一|本)\s*(周|星期|个?月|季度|季)", re.I)


def find_half_year(text: str, today: dt.date) -> tuple[dict, tuple[int, int]] | None:
    """ "过去半年", "近半年", "the past half year": the six whole months before this one."""
    m = _HALF_YEAR.search(text)
    if not m:
        return None
    return {"relative": "past", "grain": "month", "n": 6, "label": m.group(0)}, m.span()


def find_same_last_year(text: str, today: dt.date) -> tuple[dict, tuple[int, int]] | None:
    """ "the same quarter last year", "去年同一季度": this quarter (month, week) one year earlier."""
    m = _SAME_LAST_YEAR.search(text)
    if not m:
        return None
    word = next(g for g in m.groups() if g).lower().lstrip("个")
    grain = _GRAIN.get(word, word)
    shifted = resolve({"relative": "this", "grain": grain}, today).shifted("same_period_last_year")
    return {"start": shifted.start.isoformat(), "end": shifted.end.isoformat(), "label": m.group(0)}, m.span()


_ORDINAL_QUARTER = re.compile(rf"\b(?:the\s+)?(first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter\b(?:\s+{_YEAR_EN})?",
                              re.I)
_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}


def find_ordinal_quarter(text: str, today: dt.date) -> tuple[dict, tuple[int, int]] | None:
    """ "the third quarter of 2025", "the second quarter of last year", "the first quarter" (this year's)."""
    m = _ORDINAL_QUARTER.search(text)
    if not m:
        return None
    year = _year(m.group(2), m.group(3), today)
    return {"fiscal_year": year, "quarter": _ORDINAL[m.group(1).lower()], "label": m.group(0)}, m.span()


# Seasons as months of the year (winter runs from December into the next year's February)
_SEASON_MONTHS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12, "春": 3, "夏": 6, "秋": 9, "冬": 12}
_SEASON = re.compile(r"\b(?:(this|last)\s+|(?:the|over the|during the)\s+)?(spring|summer|autumn|fall|winter)\b"
                     r"(?:\s+(?:of\s+)?(20\d{2}|this year|last year))?(?:\s+months)?|"
                     r"(今年|去年|(20\d{2})\s*年)?\s*的?\s*(春|夏|秋|冬)(?:天|季)(?:\s*(?:那|的|这)?\s*(?:[三3]|几)个月)?", re.I)


def find_season(text: str, today: dt.date) -> tuple[dict, tuple[int, int]] | None:
    """ "over the summer", "last winter", "summer 2025", "去年夏天", "夏天那三个月": the three months of the season, the
    latest one begun when no year is said ("last" is the latest one over)."""
    m = _SEASON.search(text)
    if not m:
        return None
    which, word = (m.group(1) or "").lower(), m.group(2) or m.group(6)
    year_word = (m.group(3) or m.group(4) or "").lower()
    if word.lower() == "fall" and not (which or year_word or m.group(0).lower().startswith(("the", "over", "during"))):
        return None  # "did revenue fall last quarter?": a verb
    first = _SEASON_MONTHS[word.lower()]
    if year_word and year_word not in ("this year", "今年"):  # a year said: that year's season
        digits = m.group(5) or (year_word if year_word.isdigit() else None)
        year = int(digits) if digits else today.year - 1
        start = dt.date(year - 1 if first == 12 else year, first, 1)
    else:
        start = dt.date(today.year, first, 1)
        while start > today or (which == "last" and _season_end(start) >= today):
            start = dt.date(start.year - 1, first, 1)
    return {"start": start.isoformat(), "end": _season_end(start).isoformat(), "label": m.group(0).strip()}, m.span()


def _season_end(start: dt.date) -> dt.date:
    after = dt.date(start.year + (start.month + 3 - 1) // 12, (start.month + 3 - 1) % 12 + 1, 1)
    return after - dt.timedelta(days=1)


def find_before_last(text: str, today: dt.date) -> tuple[dict, tuple[int, int]] | None:
    """ "the month before last", "上上个月", "上上周", "前年": one grain further back than last."""
    m = _BEFORE_LAST.search(text)
    if not m:
        return None
    grain = "year" if m.group(0).startswith("前年") else _GRAIN[(m.group(1) or m.group(2)).lower()]
    last = resolve({"relative": "last", "grain": grain}, today).shifted("previous_period")
    return {"start": last.start.isoformat(), "end": last.end.isoformat(), "label": m.group(0)}, m.span()


def find_bare_quarter(text: str, today: dt.date) -> tuple[dict, tuple[int, int]] | None:
    """ "in Q3", "第三季度" with no year: this year's quarter."""
    m = _BARE_QUARTER.search(text)
    if not m:
        return None
    quarter = int(m.group(1)) if m.group(1) else _CN_DIGIT.get(m.group(2)) or int(m.group(2))
    return {"fiscal_year": today.year, "quarter": quarter, "label": m.group(0)}, m.span()


def to_date_grain(text: str) -> tuple[str, tuple[int, int]] | None:
    """ "quarter to date", "QTD", "MTD": this grain so far."""
    m = _TO_DATE_GRAIN.search(text)
    if not m:
        return None
    word = (m.group(1) or m.group(2)).lower()
    return {"qtd": "quarter", "mtd": "month", "wtd": "week"}.get(word, word), m.span()


def run_on_to_today(text: str, span: tuple[int, int], period: dict, today: dt.date,
                    taken: list) -> dict:
    """The period, or from its start to today when the sentence says so ("since March", "本季度截至目前")."""
    before = _TO_NOW_BEFORE.search(text[:span[0]])
    since_inside = re.match(r"\s*since\b", text[span[0]:span[1]], re.I)  # dates.py reads "since March" as March
    after = _TO_NOW_AFTER.match(text[span[1]:])
    if not before and not after and not since_inside:
        return period
    resolved = resolve(period, today)
    if resolved is None or resolved.start > today:
        return period
    if before:
        taken.append((before.start(), span[0]))
    if after:
        taken.append((span[1], span[1] + after.end()))
    if period.get("relative") == "this" and period.get("grain") in ("week", "month", "quarter", "year"):
        return {"relative": "to_date", "grain": period["grain"], "label": f"{period.get('label', '')} so far"}
    return {"start": resolved.start.isoformat(), "end": today.isoformat(),
            "label": f"{resolved.start.isoformat()}..{today.isoformat()}"}


def comparison_with(text: str, period: dict, second: dict | None, today: dt.date, cue: bool = False) -> str | None:
    """The comparison a second period names: the one before ("Q2 versus Q1") or the same one a year earlier
    ("上半年和去年上半年比"). None when no comparing word (nor, with `cue`, a word of change) is said or the second
    period is neither."""
    if second is None or not (cue or COMPARE_CUE.search(text)):
        return None
    first, other = resolve(period, today), resolve(second, today)
    if first is None or other is None:
        return None
    for comparison in ("same_period_last_year", "previous_period"):
        shifted = first.shifted(comparison)
        if (shifted.start, shifted.end) == (other.start, other.end):
            return comparison
    return None


_AGAINST_LAST = re.compile(r"\b(?:vs\.?|versus|compared? (?:to|with)|than|against|(?:up|down|higher|lower|better|worse)"
                           r"(?:\s+or\s+(?:up|down|higher|lower|better|worse))?\s+(?:on|from))\s+(?:the\s+)?(?:last|previous|prior)\s+"
                           r"(week|month|quarter)\b|(?:和|跟|与|比|较|对比)\s*上一?(个?月|周|星期|个?季度|季)", re.I)


def default_for_comparison(text: str) -> dict | None:
    """ "month over month", "QoQ", "vs last quarter", "和上个月比" said without a period: this month (quarter, week)
    against the one before."""
    m = re.search(r"\b(week|month|quarter)[- ]over[- ](?:week|month|quarter)\b|\b(wow|mom|qoq)\b", text, re.I)
    said = _AGAINST_LAST.search(text)  # "my win rate vs last quarter", "和上个月比": this one against that one
    if not m and not said:
        return None
    if said:
        word = next(g for g in said.groups() if g).lower()
        grain = _GRAIN.get(word.lstrip("个"), word)
        return {"relative": "this", "grain": grain, "label": f"this {grain}"}
    grain = (m.group(1) or {"wow": "week", "mom": "month", "qoq": "quarter"}[m.group(2).lower()]).lower()
    return {"relative": "this", "grain": grain, "label": f"this {grain}"}


# "this time last year" with no grain: last year up to the day a year before today ("How many deals had we won by this
# time last year?", "截至去年这个时候", "去年同期到今天"); beside a period and a comparing word it is the comparison.
_THIS_TIME_LAST_YEAR = re.compile(r"\b(?:this|the same)\s+(?:time|point|date|day)\s+(?:last year|a year (?:ago|earlier|before))\b|"
                                  r"去年\s*的?\s*(?:这个时候|这时候|此时|同一时间|同一时候|今天|同一天)|"
                                  r"去年同期\s*(?:到|至|截至|截止到?)\s*(?:今天|现在|目前|当天)", re.I)


def find_this_time_last_year(text: str, today: dt.date) -> tuple[dict, tuple[int, int]] | None:
    """ "by this time last year", "去年这个时候", "去年同期到今天": last year from its start to a year before today."""
    m = _THIS_TIME_LAST_YEAR.search(text)
    if not m:
        return None
    year_so_far = resolve({"relative": "to_date", "grain": "year"}, today).shifted("same_period_last_year", today)
    return {"start": year_so_far.start.isoformat(), "end": year_so_far.end.isoformat(), "label": m.group(0)}, m.span()


# "the same period last year" said as the period asked, with no period of this year beside it and no comparing word
# ("去年同期我们赢了多少钱", "what did we win in the same period last year?"): last year up to a year before today.
_SAME_PERIOD_ALONE = re.compile(r"(?<![跟和与较比])去年同期(?!\s*(?:到|至|截至|截止|相比|比较|对比|比|呢))|"
                                r"\b(?:in\s+|during\s+|over\s+)?the\s+same\s+(?:period|time)\s+last\s+year\b", re.I)


def find_same_period_alone(text: str, today: dt.date) -> tuple[dict, tuple[int, int]] | None:
    """ "去年同期", "the same period last year" with no comparing word: the year so far, a year earlier (the caller
    checks that no period of its own is said beside it, which would make it the comparison)."""
    m = _SAME_PERIOD_ALONE.search(text)
    if not m or COMPARE_CUE.search(text) or CHANGE_CUE.search(text):
        return None
    year_so_far = resolve({"relative": "to_date", "grain": "year"}, today).shifted("same_period_last_year", today)
    return {"start": year_so_far.start.isoformat(), "end": year_so_far.end.isoformat(), "label": m.group(0)}, m.span()


# "by year end", "before the end of the quarter", "到年底", "月底前": from today to the end of this year (quarter, month).
# The days before today are not in it: "pipeline expected to close by year end" is what may still close, not what
# slipped.
_UNTIL_END = re.compile(r"\b(?:by|before|until|till|through|to|ahead of)\s+(?:the\s+)?(?:(year|quarter|month)[- ]end|"
                        r"end of (?:the |this )?(?:fiscal |calendar )?(year|quarter|month))\b|"
                        r"\b(?:for\s+)?the rest of (?:the |this )?(year|quarter|month)\b|"
                        r"(?:到|至|截至|截止到?)\s*(?:今年|本|这个|这)?\s*(年底|年末|季度末|季度底|季末|月底|月末)(?:前|之前|为止)?|"
                        r"(?:今年|本|这个|这)?\s*(年底|年末|季度末|季末|月底|月末)(?:前|之前|以前)|"
                        r"(?:今年|本季度|这个季度|本月|这个月)?\s*剩下的?(?:时间|日子)?里?", re.I)
_END_GRAIN = {"年底": "year", "年末": "year", "季度末": "quarter", "季度底": "quarter", "季末": "quarter", "月底": "month",
              "月末": "month"}


def find_until_end(text: str, today: dt.date) -> tuple[dict, tuple[int, int]] | None:
    """ "by year end", "到年底", "本季度末前", "the rest of the quarter": today to the end of this year (quarter, month)."""
    m = _UNTIL_END.search(text)
    if not m:
        return None
    word = next((g for g in m.groups() if g), None)
    if word is None:  # "今年剩下的时间里": the grain of the period said with it
        said = re.search(r"今年|本季度|这个季度|本月|这个月", m.group(0))
        if not said:
            return None
        word = {"今年": "year", "本季度": "quarter", "这个季度": "quarter"}.get(said.group(0), "month")
    grain = _END_GRAIN.get(word, word.lower())
    end = resolve({"relative": "this", "grain": grain}, today).end
    return {"start": today.isoformat(), "end": end.isoformat(), "label": m.group(0).strip()}, m.span()


# Two quarters named together ("Q2 and Q3", "第二季度和第三季度", "去年Q3和Q4", "the second and third quarters"): side by
# side, grouped by quarter over the span from the first to the last (a quarter between them left out); said
# "combined" / "加起来" they are one period.
_Q = r"(?:q([1-4])|第?([一二三四1-4])季度)"
_TWO_QUARTERS = re.compile(rf"(?<![\w-]){_Q}\s*(?:and|&|,|，|、|和|与|跟|及|以及|plus)\s*{_Q}(?![\w-])|"
                           r"\b(?:the\s+)?(first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:and|&)\s+"
                           r"(first|second|third|fourth|1st|2nd|3rd|4th)\s+quarters?\b", re.I | re.ASCII)
_COMBINED = re.compile(r"\b(?:combined|together|in total|altogether|total for|taken together|summed)\b|加起来|合计|加在一起|"
                       r"一共|总共|合起来|累计|合并", re.I)
_YEAR_NEAR = re.compile(r"(this|last|next)\s+year|(今年|去年|明年|前年)|(?:fy\s*)?(20\d{2})\s*年?", re.I)


def _quarter_number(word: str) -> int:
    return int(word) if word.isdigit() else _CN_DIGIT[word]


def find_two_quarters(text: str, today: dt.date) -> tuple[dict, tuple[int, int]] | None:
    """ "Q2 and Q3", "今年Q2和Q3", "Q1 and Q3 this year", "第二季度和第三季度加起来": the days from the first quarter's start
    to the last one's end, with `quarters` (their labels) unless they are said combined."""
    m = _TWO_QUARTERS.search(text)
    if not m or COMPARE_CUE.search(text[m.end():m.end() + 8]):  # "Q2和Q3比": the second is what to compare with
        return None
    g = m.groups()
    if g[4]:
        first, second = _ORDINAL[g[4].lower()], _ORDINAL[g[5].lower()]
    else:
        first, second = (_quarter_number(a or b) for a, b in ((g[0], g[1]), (g[2], g[3])))
    first, second = sorted((first, second))
    if first == second:
        return None
    span = m.span()
    before = re.search(rf"(?:{_YEAR_NEAR.pattern})\s*的?\s*$", text[max(0, m.start() - 12):m.start()], re.I)
    after = re.match(rf"\s*(?:of\s+|in\s+)?(?:{_YEAR_NEAR.pattern})", text[m.end():], re.I)
    near = before or after
    if before:
        span = (m.start() - len(before.group(0)), span[1])
    elif after:
        span = (span[0], m.end() + after.end())
    year = _year(near.group(1) or near.group(2), near.group(3), today) if near else today.year
    start, end = dt.date(year, 3 * first - 2, 1), resolve({"fiscal_year": year, "quarter": second}, today).end
    period = {"start": start.isoformat(), "end": end.isoformat(), "label": text[span[0]:span[1]].strip()}
    if not _COMBINED.search(text):
        period["quarters"] = [f"{year}-Q{q}" for q in (first, second)]
    return period, span


_MONTH_NAMES = {m: i for i, ms in enumerate((("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
                                             ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
                                             ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
                                             ("december", "dec")), start=1) for m in ms}
_MONTH_EN = r"(" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")"
_MONTH_ZH = r"(\d{1,2}|十[一二]?|[一二三四五六七八九])"
# A run of months: "from July to September", "between March and May 2025", "Jul-Sep", "7月到9月", "去年3月至5月"
_MONTH_RANGE = re.compile(rf"\b(?:from\s+|between\s+)?{_MONTH_EN}\s*(?:to|and|through|till|until|-|–)\s*{_MONTH_EN}\b"
                          rf"(?:\s+(?:of\s+|in\s+)?(this year|last year|20\d{{2}}))?|"
                          rf"(今年|去年|前年|(20\d{{2}})\s*年)?\s*的?\s*(?:从)?\s*{_MONTH_ZH}\s*月份?\s*(?:到|至|-|~|—|–)\s*"
                          rf"{_MONTH_ZH}\s*月份?(?:底|末)?", re.I)
_ZH_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12}


def _month_number(word: str) -> int:
    return int(word) if word.isdigit() else _ZH_NUM[word]


def find_month_range(text: str, today: dt.date) -> tuple[dict, tuple[int, int]] | None:
    """ "from July to September", "7月到9月", "去年3月至5月": the first day of one month to the last of the other; this
    year's unless a year is said (last year's when the months have not begun yet)."""
    m = _MONTH_RANGE.search(text)
    if not m:
        return None
    if m.group(1):
        first, last, said = _MONTH_NAMES[m.group(1).lower()], _MONTH_NAMES[m.group(2).lower()], m.group(3)
        year = _year(said.split()[0] if said and not said.isdigit() else None, said if said and said.isdigit()
                     else None, today) if said else None
    else:
        first, last = _month_number(m.group(6)), _month_number(m.group(7))
        year = _year(m.group(4), m.group(5), today) if m.group(4) else None
    if not (1 <= first <= 12 and 1 <= last <= 12) or last < first:
        return None
    if year is None:
        year = today.year if dt.date(today.year, first, 1) <= today else today.year - 1
    start, end = dt.date(year, first, 1), resolve({"fiscal_year": year, "month": last}, today).end
    return {"start": start.isoformat(), "end": end.isoformat(), "label": m.group(0).strip()}, m.span()


# One month of a year said: "2025年3月", "去年12月份", "今年的三月", "March of last year", "last year's December"
_YEAR_MONTH = re.compile(rf"(今年|去年|前年|(20\d{{2}})\s*年)\s*的?\s*{_MONTH_ZH}\s*月份?(?!\s*(?:到|至|-|~|—|–))|"
                         rf"\b{_MONTH_EN}\s+(?:of\s+)?(this year|last year)\b|\b(this year|last year)'?s?\s+{_MONTH_EN}\b", re.I)


def find_year_month(text: str, today: dt.date) -> tuple[dict, tuple[int, int]] | None:
    """ "2025年3月", "去年12月份", "March of last year": that one month of the year said, not the whole year."""
    m = _YEAR_MONTH.search(text)
    if not m:
        return None
    if m.group(3):
        year, month = _year(m.group(1), m.group(2), today), _month_number(m.group(3))
    elif m.group(4):
        year, month = _year(m.group(5).split()[0], None, today), _MONTH_NAMES[m.group(4).lower()]
    else:
        year, month = _year(m.group(6).split()[0], None, today), _MONTH_NAMES[m.group(7).lower()]
    if not 1 <= month <= 12:
        return None
    period = resolve({"fiscal_year": year, "month": month}, today)
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": f"{year}-{month:02d}"}, m.span()


_N_WORD = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
           "eleven": 11, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "一": 1, "十": 10,
           "十一": 11}
# The first or last months or quarters of a year: "the first two quarters of this year", "the last three months of
# 2025", "今年前两个季度", "去年后三个月" (a year said: not "the past three months")
_FIRST_OF_YEAR = re.compile(r"\b(?:the\s+)?(first|last)\s+(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven)\s+"
                            r"(months|quarters)\s+of\s+"
                            r"(?:(this|last|next)\s+year|the year|(20\d{2}))|"
                            r"\b(?:the\s+)?(first)\s+(two|three|2|3)\s+(quarters)\b(?!\s+of\b)|"
                            r"(今年财年|今年|去年财年|去年|前年|明年|本财年|本年度|上一?财年|(20\d{2})\s*年)\s*的?\s*(前|后|最后)\s*"
                            r"(\d{1,2}|十一|[一二两三四五六七八九十])\s*(个月|个季度|季度)", re.I)


def find_first_of_year(text: str, today: dt.date) -> tuple[dict, tuple[int, int]] | None:
    """ "the first two quarters of this year", "今年前三个月", "the first three quarters" (this year's): the first
    (last) months or quarters of that year."""
    m = _FIRST_OF_YEAR.search(text)
    if not m:
        return None
    if m.group(1):
        first, word, grain = m.group(1).lower() == "first", m.group(2).lower(), m.group(3).lower()
        year = _year(m.group(4), m.group(5), today)
    elif m.group(6):  # "the first three quarters": this year's ("the last three months" is the past three)
        first, word, grain, year = True, m.group(7).lower(), m.group(8).lower(), today.year
    else:
        first, word, grain = m.group(11) == "前", m.group(12), m.group(13)
        year = _year(m.group(9), m.group(10), today)
    n = int(word) if word.isdigit() else _N_WORD[word]
    months = n * (3 if "quarter" in grain or "季" in grain else 1)
    if not 1 <= months <= 12:
        return None
    start = dt.date(year, 1 if first else 13 - months, 1)
    end = resolve({"fiscal_year": year, "month": months if first else 12}, today).end
    return {"start": start.isoformat(), "end": end.isoformat(), "label": m.group(0).strip()}, m.span()
