"""Filling `query_metrics` from a manager's sentence, in English or Chinese: metrics and dimensions by the names and
synonyms in the metric catalog (crm/metrics/*.yaml), periods ("past five months", "近六周", "FY2025 Q3"),
comparisons ("vs last year", "去年同期", "环比"), rankings ("top 5", "最低") and thresholds ("at least 5 closed deals")."""
from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from crm.data_files import read_yaml
from crm.metrics import default_catalog, resolve
from crm.models import OPEN_STAGES
from llm.offline.arguments import Filled, Filling
from llm.offline.as_of import end_of_month_day, said_as_of
from llm.offline.messages import Turn
from llm.offline.metric_periods import (CHANGE_CUE, COMPARE_CUE, comparison_with, default_for_comparison, find_bare_quarter,
                                        find_before_last, find_half, find_half_year, find_ordinal_quarter,
                                        find_first_of_year, find_month_range, find_same_last_year,
                                        find_same_period_alone, find_year_month, find_season,
                                        find_this_time_last_year, find_two_quarters, find_until_end, run_on_to_today,
                                        to_date_grain)
from llm.offline.metric_scorecard import scorecard_asked
from llm.offline.metric_terms import Mention, find_mentions
from llm.offline.numbers import parse_number
from llm.offline.reading import Reading
from llm.offline.schema import ToolView
from llm.offline.text import language_of
from llm.offline.whose import mine_patterns

TOOL = "query_metrics"
_NUM = r"(\d+|[一二两三四五六七八九十]+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)"
_GRAIN_EN = {"day": "day", "days": "day", "week": "week", "weeks": "week", "month": "month", "months": "month",
             "quarter": "quarter", "quarters": "quarter", "year": "year", "years": "year"}
_GRAIN_ZH = {"天": "day", "日": "day", "周": "week", "个星期": "week", "星期": "week", "个月": "month", "月": "month",
             "个季度": "quarter", "季度": "quarter", "季": "quarter", "年": "year"}
_PAST = [
    re.compile(rf"\b(?:past|last|previous|trailing|over the last|over the past)\s+{_NUM}\s+(days?|weeks?|months?|quarters?|years?)\b", re.I),
    re.compile(rf"(?:近|过去|最近|前)\s*{_NUM}\s*(个星期|星期|周|个月|月|个季度|季度|季|年|天|日)"),
]
_THIS = {"this week": "week", "this month": "month", "this quarter": "quarter", "this year": "year",
         "for the year": "year", "for the quarter": "quarter", "for the month": "month", "for the week": "week",
         "current quarter": "quarter", "current month": "month", "本周": "week", "这周": "week", "本月": "month",
         "这个月": "month", "本季度": "quarter", "这个季度": "quarter", "本季": "quarter", "今年": "year", "本年": "year",
         "this fiscal year": "year", "the current fiscal year": "year", "current fiscal year": "year", "本财年": "year",
         "今年财年": "year", "本年度": "year"}
_LAST = {"last week": "week", "last month": "month", "last quarter": "quarter", "last year": "year",
         "previous quarter": "quarter", "previous month": "month", "上周": "week", "上个月": "month", "上月": "month",
         "上季度": "quarter", "上个季度": "quarter", "上一季度": "quarter", "去年": "year", "last fiscal year": "year",
         "previous fiscal year": "year", "上财年": "year", "上一财年": "year", "上个财年": "year", "去年财年": "year"}
_NEXT = {"next month": "month", "next quarter": "quarter", "next year": "year", "下个月": "month", "下季度": "quarter",
         "下个季度": "quarter", "明年": "year"}
_TO_DATE = re.compile(r"\b(?:year to date|ytd|so far this year|this year so far|\d{4} so far|since the (?:start|beginning) "
                      r"of (?:the|this) year)\b|今年以来|今年至今|年初至今|年初到现在|年初以来|今年到现在|今年到目前为止", re.I)
_RELATIVE_QUARTER = re.compile(r"(今年|去年|明年|本财年|今年财年|上财年|上一财年|去年财年|下财年|下一财年|明年财年|this year'?s?|"
                               r"last year'?s?|next year'?s?|this fiscal year'?s?|last fiscal year'?s?|next fiscal year'?s?)"
                               r"\s*的?\s*(?:(?:第)?\s*([一二三四1-4])\s*(?:季度|季)|q([1-4])\b)|"
                               r"\bQ([1-4])\s+(?:of\s+)?(?:the\s+)?(this|last|next)\s+(?:fiscal\s+)?year\b", re.I | re.ASCII)
_FISCAL = [
    re.compile(r"\bFY\s*'?(\d{2,4})\s*[- ]?\s*Q([1-4])\b", re.I | re.ASCII),
    re.compile(r"\bQ([1-4])\s*(?:of\s*)?(?:FY\s*)?(\d{4})\b", re.I | re.ASCII),
    re.compile(r"\b(\d{4})\s*[- ]?\s*Q([1-4])\b", re.I | re.ASCII),
    re.compile(r"(\d{4})\s*(?:财年|年度?)\s*(?:第)?\s*([一二三四1-4])\s*季度"),
    re.compile(r"\bFY\s*'?(\d{2,4})\b|(\d{4})\s*财年", re.I | re.ASCII),
]
_YEAR = re.compile(r"\b(?:in|for|during)\s+(20\d{2})\b|(20\d{2})\s*年(?!\s*(?:第|[一二三四1-4]\s*季))")
# a year said alone ("bookings 2025 vs 2024"), not an amount ("deals over 2500"); read after dates ("June 2024")
_BARE_YEAR = re.compile(r"(?<!over )(?<!above )(?<!under )(?<!below )(?<!than )(?<![\d.,$¥])\b(20[0-4]\d)\b"
                        r"(?![.,/-]?\d|\s*(?:k\b|万|元|%|块))", re.I | re.ASCII)
_SAME_LAST_YEAR = re.compile(r"same (?:period|time|\w+) (?:last year|a year (?:ago|earlier|before))|year[- ]over[- ]year|"
                             r"\byoy\b|(?:compared? (?:to|with)|vs\.?|versus|than|against) (?:the same \w+ )?last year|"
                             r"(?:compared? (?:to|with)|vs\.?|versus|than|against|from) (?:this|that) (?:time|point|date) "
                             r"(?:last year|a year (?:ago|earlier|before))|"
                             r"(?:跟|和|与|比|较|对比)?\s*去年同期\s*(?:(?:到|至|截至|截止到?)\s*(?:今天|现在|目前|当天))?"
                             r"(?:相比|比较|对比|比)?|同比|"
                             r"(?:跟|和|与|比|较|对比)\s*去年\s*的?\s*(?:这个时候|这时候|此时|同一时间|今天|同一天)"
                             r"(?:相比|比较|对比|比)?|"
                             r"(?:跟|和|与|比|较|对比)\s*去年(?:相比|比较|对比|比)?", re.I)
_CN_GRAIN = r"(?:个?季度|季|个?月|周|个?星期|年|期)"
_PREVIOUS = re.compile(r"previous period|period before|(?:compared? (?:to|with)|vs\.?|versus|than|against) (?:the )?"
                       r"(?:(?:previous|prior|last|preceding) (?:period|quarter|month|week|year)|"
                       r"(?:previous|prior|last)(?=\s*(?:[?.!,]|$))|"  # "this quarter vs last": the grain said before
                       rf"(?:period|quarter|month|week|year) before|(?:{_NUM}\s+)?(?:days|weeks|months|quarters|years) "
                       r"(?:before|prior))|quarter[- ]over[- ]quarter|"
                       r"month[- ]over[- ]month|week[- ]over[- ]week|\bqoq\b|\bmom\b|"
                       rf"(?:环比|跟|和|与|比|较|对比)\s*(?:上一?{_CN_GRAIN}|前一{_CN_GRAIN}|上期)(?:相比|比较|对比|比)?|"
                       r"环比|上一期|比上期|与上期|和上期|"
                       r"\b(?:up|down|higher|lower|better|worse)(?:\s+or\s+(?:up|down|higher|lower|better|worse))?\s+"
                       r"(?:on|from)\s+(?:the\s+)?(?:previous|prior|last|preceding)\s+(?:period|quarter|month|week)\b", re.I)
_TOP = re.compile(rf"\btop\s*{_NUM}?\b|前\s*{_NUM}\s*(?:名|个|位)?|排名前\s*{_NUM}", re.I)
_BOTTOM = re.compile(rf"\bbottom\s*{_NUM}?\b|\b(?:lowest|least|worst|fewest|smallest|weakest)\b|最低|最少|最差|最小|最弱|倒数\s*{_NUM}?|"
                     rf"垫底|末位|排最后|排在最后|最后一名|后\s*{_NUM}\s*(?:名|位)|(?:排名|排在)\s*后\s*{_NUM}", re.I)
_MOST = re.compile(r"\b(?:most|highest|best|biggest|largest|top|strongest|leads?|leading|rank(?:ed|ing)?)\b|最高|最多|最好|最大|最强|"
                   r"最厉害|最牛|"
                   r"第一|领先|排名|排行|排个名|排一下")
_THRESHOLD = re.compile(rf"(?:\bat least|\bminimum of|\bno fewer than|\bmore than|\bover|\bfewer than|\bless than|\bunder|"
                        rf"\b(?:hit|hits|hitting|reached|reach|reaching|made|make|got|get)(?:\s+at least)?)\s*{_NUM}"
                        rf"(?:\s+or more)?\s+([a-z -]+?)"
                        rf"(?=$|[,.;?]| and | ranked| by | sorted| ordered)|"
                        rf"(?:至少有?|不少于|超过|大于|多于|少于|不到|不足|不满|低于|小于)\s*{_NUM}\s*(?:个|单|笔|次|件|条)?\s*([\u4e00-\u9fff]{{0,6}})",
                        re.I)
# "关闭商机不少于10个的销售", "本月活动少于5条的销售": the metric said before the bound
_THRESHOLD_BEFORE = re.compile(rf"([\u4e00-\u9fff]{{2,10}}?)\s*(?:不少于|至少|超过|大于|多于|达到|少于|不到|不足|不满|低于|小于)\s*{_NUM}\s*"
                               rf"(?:个|单|笔|次|件|条)?(?:以上|以下)?")


def _bound_op(said: str) -> str:
    """The operator a bound is said with: "no fewer than" / 不少于 / 以上 keep the number, "more than" / 超过 exceed it,
    "fewer than" / 少于 / 不到 stay under it, 以下 at most."""
    if re.search(r"no fewer than|不少于|以上", said, re.I):
        return ">="
    if re.search(r"fewer than|less than|\bunder\b|少于|不到|不足|不满|低于|小于", said, re.I):
        return "<"
    if re.search(r"以下", said):
        return "<="
    return ">" if re.search(r"more than|\bover\b|超过|大于|多于", said, re.I) else ">="


_CHART = re.compile(r"\b(?:chart|plot|graph|draw|visuali[sz]e)\b|图表|画|图", re.I)
_EXPLAIN = re.compile(r"how (?:was|is|were|are|did you|do you) (?:this|that|it|these|those|the \w+(?: \w+)?) "
                      r"(?:computed|calculated|worked out|defined|measured)|how (?:is|was) .* (?:computed|calculated|defined)|"
                      r"show (?:me )?the sql|what(?:'s| is) the definition|怎么算|如何计算|怎么计算|计算方法|计算口径|口径|怎么得出", re.I)
_TREND = re.compile(r"\btrend|over time|evolution|走势|趋势|变化情况", re.I)
_GROUP_CUE_EN = r"(?:by|per|each|every|across|which|what|for each|among|of all|top\s*\d*|bottom\s*\d*|compare)\s+(?:the\s+)?(?:sales\s+)?"


@lru_cache(maxsize=1)
def _vocab() -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str, str]]]:
    """(phrase, metric) and (phrase, dimension) longest first; (phrase, dimension, value) for named values."""
    catalog = default_catalog()
    metrics = [(w.lower(), m.name) for m in catalog.metrics.values()
               for w in [m.name.replace("_", " "), *m.label.values(), *(s for ss in m.synonyms.values() for s in ss)]]
    dims = [(w.lower(), d.name) for d in catalog.dimensions.values()
            for w in [d.name.replace("_", " "), *d.label.values(), *(s for ss in d.synonyms.values() for s in ss)]]
    values = [(w.lower(), d.name, key) for d in catalog.dimensions.values() for key, v in d.values.items()
              for w in [key, *v.get("words", [])]]
    # longest first; of one length, in a fixed order (a set's own order changes with the interpreter's hash seed, and
    # with it which of two metrics sharing a phrase came first: one dev question flipped between runs)
    by_length = lambda pairs: sorted(set(pairs), key=lambda p: (-len(p[0]), p))  # noqa: E731
    return by_length(metrics), by_length(dims), by_length(values)


@lru_cache(maxsize=1)
def _catalog_names() -> tuple[tuple[str, tuple[str, str]], ...]:
    """The metric and dimension phrases as find_mentions takes them, keyed ("metric" | "dim", name)."""
    metric_phrases, dim_vocab, _ = _vocab()
    return tuple([(p, ("metric", n)) for p, n in metric_phrases] + [(p, ("dim", n)) for p, n in dim_vocab])


def _n(word: str | None, default: int = 1) -> int:
    if not word:
        return default
    value = parse_number(word)
    return int(value) if value else default


@lru_cache(maxsize=8192)
def _mention(phrase: str) -> re.Pattern:
    """The pattern of a mention of `phrase` (compiled once: there are more phrases than `re` caches)."""
    escaped = re.escape(phrase).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]?")
    return re.compile(escaped if re.search(r"[\u4e00-\u9fff]", phrase)
                      else rf"(?<![a-z0-9]){escaped}(?:s|es)?(?![a-z0-9])")


def _find(text: str, phrase: str, taken: list[tuple[int, int]]) -> tuple[int, int] | None:
    """A whole-word (Latin) or substring (Chinese) mention of `phrase` not inside a span already taken."""
    for m in _mention(phrase).finditer(text):
        if not any(m.start() < e and s < m.end() for s, e in taken):
            return m.start(), m.end()
    return None


def fill(view: ToolView | None, reading: Reading, history: list[Turn] = ()) -> Filling:
    """The query a sentence asks for. No metric named: the words are passed on, so the tool can say it has none.
    Read once per message and earlier query (the own-figure check, the mood, the tool and the anomalies ask it
    alike); each caller gets a copy of its own."""
    said = _earlier_arguments(history)
    if said is not None and not isinstance(said[0], str):
        said = (json.dumps(said[0], sort_keys=True, default=str),)  # hashable; the same text parses to the same dict
    key = ("metric_query", said)
    query, names_no_metric = reading.remembered(key, lambda: _read(reading, lambda: _parsed(said)))
    out = copy.deepcopy(query)
    if names_no_metric and view is not None:  # no measure asked for: the tool's metrics are missing
        out.missing.extend(p for p in view.params if p.name == "metrics")
    return out


def _read(reading: Reading, earlier_query: Callable[[], dict | None]) -> tuple[Filling, bool]:
    """`fill` without a tool: the query, and whether it names no measure at all ("把李伟的客户都转给张敏": not a
    metric question; the tool then misses its metrics)."""
    text = reading.text.lower()
    names_no_metric = False
    out, taken = Filling(), []

    def put(name: str, value, surface: str, how: str) -> None:
        out.args[name] = value
        out.filled.append(Filled(name, value, surface, how))

    having = _threshold(text, taken)
    having_spans = list(taken)
    same = None if COMPARE_CUE.search(text) else find_same_last_year(_blank(text, taken), reading.today)
    alone = None if same else find_same_period_alone(_blank(text, taken), reading.today)
    rest = _blank(text, [*taken, alone[1]]) if alone else ""
    if alone and not _period(rest, Reading(rest, reading.lexicon, reading.today), []):  # "去年同期我们赢了多少钱":
        same = alone  # that period, when no period of this year is said beside it ("这个月的订单数，去年同期呢" compares)
    if same:  # "win rate in the same quarter last year", "去年同一季度": a period, not a comparison
        taken.append(same[1])
    compare = None if same else _comparison(_blank(text, taken), taken)
    at = len(taken)
    period = same[0] if same else _period(_blank(text, taken), reading, taken)
    changed = CHANGE_CUE.search(text)
    if period and not same and (compare or COMPARE_CUE.search(text) or changed):  # "Q2 versus Q1", "和去年上半年比"
        second_at = len(taken)
        second = _period(_blank(text, taken), reading, taken)
        if second and len(taken) > second_at:  # "去年下半年和上半年比": the half said bare is of the year said before
            second = _in_year_said(second, period, text[slice(*taken[second_at])], text[slice(*taken[at])])
        if second and taken[second_at][0] < taken[at][0]:  # "去年的成交额和前年比": the one said first is asked for
            period, second = second, period
        if second and changed and not COMPARE_CUE.search(text):  # "move from Q2 to Q3", "从二季度到三季度变化了多少":
            period, second = second, period  # a change runs from the one said first to the one said last
        compared = comparison_with(text, period, second, reading.today, cue=bool(changed))
        if not compare and not compared and second:  # "二季度跟三季度比", "Q2 versus Q3": the earlier said first is
            compared = comparison_with(text, second, period, reading.today, cue=bool(changed))  # what the later is
            if compared:  # compared with
                period, second = second, period
        compare = compare or compared
    if period and not compare and not second_said(taken, at) and changed and not _TREND.search(reading.text) and \
            _rates(text):  # "how did our win rate change last quarter?": against the one before
        compare = "previous_period"
    quarters = period.pop("quarters", None) if period else None  # "Q2 and Q3": side by side by quarter
    expected = _EXPECTED_CLOSE.search(_blank(text, taken))
    if expected:  # "pipeline expected to close by year end", "预计成交的商机": dated by the expected close, no metric
        taken.append(expected.span())
    when_spans = list(taken)  # thresholds, comparisons, periods: no ranking is read inside them ("前三个月")
    value_vocab = _vocab()[2]
    filters: dict[str, list[str]] = {}
    mine_grouped = []
    for name, pattern in mine_patterns().items():
        m = pattern.search(_blank(text, taken))
        if m and name in ("region", "unit", "team"):
            filters["unit" if name == "team" else name] = ["mine"]
            taken.append(m.span(1) if name == "team" else m.span())  # "my top 3 reps": the reps still group
            if re.search(r"\b(?:which|each|all|any|every|one) of\s*$|(?:各|每个)\s*$", text[:m.start()]):
                # "which of my units": the units are compared, within mine; "each of my reps": the people
                mine_grouped.append("rep" if name == "team" else "unit")
        elif m and name == "me" and not filters:  # "what's my win rate", "我这个季度赢了多少": the asker's own
            filters["rep"] = ["mine"]
            pronoun = re.match(r"i\b|我", m.group(0))  # "I won", "我…签": the verb still names the metric
            taken.append((m.start(), m.start() + pronoun.end()) if pronoun else m.span())
    whose = list(taken[len(when_spans):])  # "my" of "each of my reps" names no rows: the reps still group
    _names(reading, (("unit", "unit"),), filters, taken)  # "华东大客户部" names a unit before 客户 is a dimension
    named = [span for span in taken if span not in whose and span not in having_spans]  # "赢单率在50%以上的部门"
    spotted: list[Mention] = []
    found_dims, how_many, by_who = [], None, set()
    dim_ends: dict[int, int] = {}  # where each dimension word ends: "客户投诉" is a kind of complaint, not accounts
    for mention in find_mentions(text, _catalog_names(), taken):  # key terms in order, fillers between ("新建了多少商机")
        taken.append((mention.start, mention.end))
        kind, name = mention.key
        if kind == "metric":
            spotted.append(mention)
        elif not _done_by(text, mention.start, mention.end):
            if mention.phrase in ("who", "whose", "谁"):
                by_who.add(mention.start)
            found_dims.append((mention.start, name, _is_group(text, (mention.start, mention.end), mention.phrase)))
            dim_ends[mention.start] = mention.end
            counted = _count_before(text, mention.start) if name not in _TIME_DIMS else None
            if counted:  # "which three accounts", "哪三个客户", "最高的两个销售": how many groups
                how_many = how_many or counted
    found_dims = _who_of_a_group(text, found_dims, dim_ends, by_who)
    metrics = _negated_states(text, spotted, _asked_metrics(text, spotted))
    metric_starts = {m.start for m in spotted}
    unmeasured = _unmeasured(text)
    if unmeasured:  # "NPS", "customer acquisition cost", "客户满意度": nothing measures it, and the tool will say so
        metrics = [unmeasured]
    named += _names(reading, (("user", "rep"), ("account", "account"), ("product", "product")), filters, taken)
    journey = _JOURNEY.search(text)
    if journey and _DAYS_ASK.search(text):  # "从线索到成交要多少天", "days from lead to won": a deal's whole way, so the
        taken.append(journey.span())       # sales cycle, and the stage it starts from is no filter
        metrics = [_JOURNEY_METRIC]
    for phrase, dim, key in value_vocab:
        span = _find(text, phrase, taken)
        if span is None and dim == "priority":  # "普通优先级": the level, not a breakdown by the word 优先级 in it
            own = [(st, en) for st, en in taken if any(st == f[0] and f[1] == dim for f in found_dims)]
            span = _find(text, phrase, [t for t in taken if t not in own])
            if span:
                found_dims = [f for f in found_dims if not (f[1] == dim and span[0] <= f[0] < span[1])]
        if span and dim in ("region", "stage", "channel", "industry", "case_category", "priority"):
            filters.setdefault(dim, [])
            if key not in filters[dim]:
                filters[dim].append(key)
            taken.append(span)
            named.append(span)
    found_dims = [(s, d, g) for s, d, g in found_dims if g or not _object_of_a_verb(text, s)]
    # "finance customers", "制造业客户": a dimension word right after a named value says which rows, not a breakdown
    found_dims = [(s, d, g) for s, d, g in found_dims
                  if g or not any(0 <= s - e <= 1 for _s, e in named)]
    if not metrics or _records_only(text):  # "今年单子平均多久能签下来": the verb says which records and what of them
        metrics = _by_complement(text) or _days_by_verb(text) or metrics
    if not metrics and _DEALS_NOT_CLOSED.search(text):  # "有多少单子没关", "单子逾期没关的有几个": the open deals (逾期
        metrics = ["open_deals"]  # then makes them the slipped ones, metric_terms.yaml `modified_by`)
    metrics = _records_of_the_verb(text, metrics, spotted)
    metrics = _days_to_pay(text, metrics)
    if not metrics:
        metrics = _from_stage(text, filters.get("stage", []))
    if not metrics and having and having[0]["metric"]:  # "reps who closed more than 10 deals this year": the
        # bound's own metric is shown
        metrics = [having[0]["metric"]]
    if not metrics and not unmeasured and _DEALS.search(text) and _HOW_MANY_DEALS.search(text):
        metrics = ["open_deals"]  # "which rep has the most deals", "谁手上的单子最多": the deals each one has, open
    metrics = metrics if unmeasured else _with_channels(text, metrics, filters, bool(period or compare))
    metrics = _totalled(_blank(text, taken), _as_money(_blank(text, taken), metrics, text))
    metrics = _of_the_created(text, metrics)
    metrics = _as_share(text, metrics, [m.key[1] for m in spotted])
    rate_of = _terms()["share_of_part"]  # "what share of tickets got closed last month": the resolution rate
    if len(metrics) == 1 and not filters and _SHARE_WORD.search(text) and metrics[0] in rate_of:
        metrics = [rate_of[metrics[0]]]
    metrics = _as_average(_blank(text, taken), metrics, text)
    metrics = _as_count(_blank(text, taken), metrics, text)
    metrics = _count_and_amount(text, metrics)
    metrics = _as_days(_blank(text, taken), metrics)
    turned, weighting = _modified(text, metrics, [(m.start, m.end) for m in spotted if m.key[1] in metrics])
    if turned != metrics:  # "逾期回款金额": the late instalments, said with money, are the amount overdue
        metrics = _as_money(text, turned, text)
    if filters.get("stage") and set(filters["stage"]) <= set(OPEN_STAGES):  # "谈判阶段的单子平均多大": of deals still open
        metrics = list(dict.fromkeys(_terms()["of_open_stages"].get(m, m) for m in metrics))
        if metrics and all(_of_closed_deals(m) for m in metrics):  # "从提案到赢单的转化率", "方案阶段的赢单率": no deal
            reached = [st for st in filters.pop("stage") if st != "lead"]  # is in proposal and won at once; the deals
            if reached:  # that reached proposal are meant (every deal starts as a lead: "from lead to won" is all)
                filters["reached_stage"] = reached
    metrics, open_filters = _still_open(text, metrics)
    metrics = _state_as_verb(text, metrics)  # after the states: "cases did we open" is no case still open
    spotted_names = {m.key[1] for m in spotted}
    metrics = _share_of_a_kind(text, metrics, spotted_names)
    metrics, kind_filters = _narrowed(metrics, spotted_names)
    for dim, keys in kind_filters.items():  # "average time to resolve a complaint": the complaints' cases only
        filters.setdefault(dim, keys)
    if weighting:  # "按阶段加权", "weighted by stage": the stages weigh the sum, they are not its rows
        found_dims = [f for f in found_dims if not weighting[0] <= f[0] < weighting[1]]
    unbounded = metrics  # the metrics as said: shown when the bound is on the records, not on groups
    money_bound = next((t["metric"] for t in having if t.get("money") and not t.get("records")), None)
    if money_bound:  # "products that brought in more than ¥300K of orders": the amount bounded is what is shown
        metrics = [money_bound if _money_of().get(m) == money_bound else m for m in metrics]
    group_by = []
    for _start, dim, grouped in sorted(found_dims):
        if dim not in group_by and dim not in filters and (grouped or dim in ("week", "month", "quarter", "year")):
            group_by.append(dim)
    # "East vs South", "华南零售部和华南科技部的成交额分别是多少": several named values of one dimension, side by side
    group_by = [d for d, keys in filters.items() if len(keys) > 1 and "mine" not in keys][:1] + \
        [d for d in group_by if not (d in filters and len(filters[d]) > 1)]
    if group_by and not any(g for _s, _d, g in found_dims):
        out.hints.add("bare_group")  # values side by side ("note it down… meeting"): no "by"/"各"/"vs" cue of its own
    if not group_by and found_dims and not mine_grouped:  # "pipeline stage by stage", "各区域" already cue; a bare
        group_by = [d for s, d, _g in sorted(found_dims) if d not in filters and not  # dimension still groups,
                    (_ONE_TOTAL.search(text) and not _EACH.search(text) and
                     (not _how_many_of(text, s, dim_ends.get(s, s)) or
                      (dim_ends.get(s) in metric_starts and not _DOERS_AFTER.match(text, dim_ends[s]))))][:1]
        out.hints.add("bare_group")  # but does not by itself make a sentence a question for a figure; "how many
        # calls has the team made", "拜访了几次客户", "多少客户投诉" ask one total: the bare word says what, not by what;
        # "多少客户下了单" counts the customers, who did what the verb says (_DOERS_AFTER)
    group_by += [d for d in mine_grouped if d not in group_by]
    if _TOTAL_WORD.search(text):  # "the total pipeline across all regions", "所有部门加起来": one figure of them all
        group_by = [d for d in group_by if not any(d == fd and _ALL_OF.search(text[:st]) for st, fd, _g in found_dims)]
    for dim, keys in open_filters.items():  # "加急工单还没解决的": which cases, never a breakdown of them
        filters.setdefault(dim, keys)
    if "rep" in group_by and len(group_by) > 1 and all(s in by_who for s, d, _g in found_dims if d == "rep"):
        group_by.remove("rep")  # "who are our top 10 accounts": "who" asks which of the accounts
    if quarters and "quarter" not in group_by:  # two quarters named: each one's figure (only those two)
        group_by.insert(0, "quarter")
        if int(quarters[1][-1]) - int(quarters[0][-1]) > 1:
            filters["quarter"] = quarters
    if _TREND.search(reading.text) and not any(d in ("week", "month", "quarter", "year") for d in group_by):
        grain = (period or {}).get("grain") or "month"
        group_by.append(grain if grain in ("week", "month", "quarter", "year") else "month")
    if _PER_REP_AVERAGE.search(text) and metrics and all(m in _terms()["per_rep_of"] for m in metrics):
        metrics = [_terms()["per_rep_of"][m] for m in metrics]  # "平均每个销售这个月记录了多少条活动": one average, not a
        group_by = [d for d in group_by if d != "rep"]  # breakdown by rep
    if any(_bounds_records(t, group_by) for t in having):
        metrics = _counted_when_bounded(text, unbounded)  # "成交金额超过50万的单子有几个": the money said is each deal's
    entity = None if metrics or unmeasured or having else _entity_counted(text, found_dims, dim_ends)
    if entity:  # "我们有几个销售", "how many accounts does each unit have", "哪个销售的客户最多": the people or accounts
        metrics = [_terms()["entity_counts"][entity]]  # are counted, by the other group if one is said
        group_by = [d for d in group_by if d != entity] or \
            [d for _s, d, _g in sorted(found_dims) if d != entity and d not in filters][:1]  # "客户数最多的行业"
    if not metrics and not unmeasured and set(group_by) & _RANKED_BY_PERFORMANCE and \
            _PERFORMANCE.search(text):
        metrics = ["won_value"]  # "who is my best rep this quarter", "哪个部门最弱": ranked by what they won
    card = None if metrics else scorecard_asked(reading.text)
    if card:  # "how is my team doing this quarter?": the default scorecard, beside the period before
        metrics = list(card.metrics)
        period = period or {**card.period, "label": _this_period_said(card.period, reading.text)}
        compare = compare or card.compare_to
    explain = bool(_EXPLAIN.search(reading.text))
    if not metrics and explain:
        earlier = earlier_query()
        if earlier:
            for key, value in earlier.items():
                out.args[key] = value
            put("explain", True, "how was this computed", "context")
            out.args["language"] = language_of(reading.text)
            return out, names_no_metric
    earlier = earlier_query() if not metrics else None
    implied = not metrics and "stage" in group_by
    if implied:  # "按阶段汇总一下": the pipeline is what has stages (implied, not named: "到哪个阶段了" asks of one deal)
        metrics = ["pipeline_value"]
    if not metrics and earlier and (group_by or period or filters):  # "and broken down by rep for last quarter?"
        put("metrics", earlier["metrics"], "the earlier question", "context")
        for key in ("filters", "period", "group_by"):
            if earlier.get(key) and not {"filters": filters, "period": period, "group_by": group_by}[key]:
                out.args[key] = earlier[key]
    elif not metrics and (any(g for _s, _d, g in found_dims) or _MEASURE_CUE.search(reading.text)):
        # a breakdown or a measure is asked for, but not one we have: the tool will say so
        metrics = [_leftover(reading.text, taken) or reading.text.strip()]
        put("metrics", metrics, metrics[0], "guess")
    elif not metrics:  # no measure asked for ("把李伟的客户都转给张敏"): not a metric question
        names_no_metric = True
    elif metrics:
        how = "unmeasured" if unmeasured else "implied" if implied else "scorecard" if card else "enum"
        put("metrics", metrics[:4], ", ".join(metrics[:4]), how)
    if group_by:
        put("group_by", group_by[:2], ", ".join(group_by[:2]), "enum")
    if filters:
        put("filters", filters, json.dumps(filters, ensure_ascii=False), "enum")
    stood = any(getattr(default_catalog().metrics.get(m), "as_of", None) for m in metrics)
    if not period and stood:  # "open deals at the end of June": that day (dates.py reads a month's end as a due day)
        day = end_of_month_day(_blank(text, taken), reading.today)
        period = day[0] if day else None
    if period:
        put("period", _with_days(period, reading.today), period.get("label", ""), "period")
        as_of = said_as_of(text, reading.today)
        if as_of and stood:
            # "pipeline at the end of last quarter", "上个月底": as it stood then (the stage history)
            put("snapshot", True, as_of.group(0), "as_of")
    if compare:
        put("compare_to", compare, compare, "enum")
        if not period:  # "month over month": this month; else this year so far
            default = default_for_comparison(text) or {"relative": "to_date", "grain": "year", "label": "this year so far"}
            put("period", _with_days(default, reading.today), default["label"], "period")
    order, limit = _ranking(_blank(text, when_spans), taken)
    order = _judged(_blank(text, when_spans), order, metrics) or _by_speed(text, metrics)
    limit = limit or (how_many if group_by and not any(d in _TIME_DIMS for d in group_by) else None)
    if order:
        put("order", order, order, "enum")
    if limit:
        put("limit", limit, str(limit), "integer")
    if having and not group_by and all(t["op"] == "=" and not t["value"] for t in having):
        having = []  # "Acme hasn't placed any orders": nothing done by whom? no groups, no bound
    bounds = [{"op": t["op"], "value": t["value"]} for t in having if _bounds_records(t, group_by)]
    if bounds:  # "how many deals over ¥500K are open", "which rep won the most deals over 300K": each deal's amount
        put("amount", bounds, json.dumps(bounds), "enum")  # bounds the records counted ("deals over ¥100K" alone
        having = [t for t in having if not _bounds_records(t, group_by)]  # lists them: fit_bonus leaves it to find_deals)
    having = [{k: v for k, v in t.items() if k not in ("money", "records")} for t in having if t["metric"] is not None]
    if having:
        put("having", having, json.dumps(having), "enum")
    counted = _groups_counted(text, found_dims, group_by, dim_ends)
    if counted and (having or counted == "rep" or _counted_as_subject(text, counted, found_dims, dim_ends) or
                    _counted_after(text, counted, found_dims, dim_ends)):
        # "how many reps won at least 3 deals", "有几个销售在干活", "how many customers are paying us late"
        put("count_groups", True, counted, "enum")
    share_of = _share_of(text, metrics, filters, group_by)
    if share_of:  # "what share of our pipeline is in negotiation", "零售行业的成交额占比": the filtered part of the whole
        put("share_of", share_of, share_of, "enum")
    if _CHART.search(reading.text):
        put("chart", True, "chart", "enum")
    if explain:
        put("explain", True, "explain", "enum")
    out.args["language"] = language_of(reading.text)
    return out, names_no_metric


_TIME_DIMS = ("week", "month", "quarter", "year")
_EACH = re.compile(r"\b(?:each|every|per|by|respectively|apiece)\b|分别|每个|每一|每位|每家|各", re.I)
_ONE_TOTAL = re.compile(r"\bhow (?:many|much)\b|多少|几次|几个|几单|几笔|几家", re.I)
# "how many reps", "how many of my units", "几个销售", "多少个部门": the number of groups is the answer
_HOW_MANY_GROUPS = re.compile(r"(?:\bhow many\s+(?:of\s+(?:my|our|the|your|their)\s+)?(?:sales\s+)?|"
                              r"(?:几|多少)\s*(?:个|位|名|家)?\s*)$", re.I)
_HOW_MANY_AFTER = re.compile(r"\s*(?:一共|总共)?\s*(?:有|是)?\s*(?:几|多少)\s*(?:个|位|名|家|人)")  # "…的销售有几个"


def _how_many_of(text: str, start: int, end: int) -> bool:
    """Whether "how many" is asked of the word at start..end: before it ("how many reps", "几个销售") or after it in
    Chinese ("赢单金额不足50万的销售有几个")."""
    return bool(_HOW_MANY_GROUPS.search(text[max(0, start - 24):start]) or _HOW_MANY_AFTER.match(text, end))


# The groups counted are the sentence's subject or owner: a verb or 的 follows them ("how many customers are paying
# us late", "有多少客户的回款逾期了"), not the metric's noun ("多少客户投诉" counts complaints).
_SUBJECT_AFTER = re.compile(r"\s*(?:的|下了|下过|买了|买过|签了|投诉了|投诉过|付了|"
                            r"(?:are|were|is|have|has|had|did|do|does|still|paid|pay|paying|owe|owed|placed|ordered|"
                            r"bought|purchased|complained|raised|filed)\b)", re.I)


# A customer's doing said right after them in Chinese: "多少客户下了单" counts the customers ("多少客户投诉了" the complaints)
_DOERS_AFTER = re.compile(r"\s*(?:下了|下过|买了|买过|付了|付过|签了)")


def _counted_as_subject(text: str, dim: str, found_dims: list, ends: dict[int, int]) -> bool:
    return any(d == dim and _SUBJECT_AFTER.match(text, ends.get(start, start)) for start, d, _g in found_dims)


_WHO_IS = re.compile(r"\s*(?:是|就是|is|was|are|were)?\s*$", re.I)


def _who_of_a_group(text: str, found_dims: list, ends: dict[int, int], by_who: set[int]) -> list:
    """ "回款最多的客户是谁", "the customer who paid the most": "who" said right after another group's word asks which
    of that group, not which rep."""
    out = list(found_dims)
    for start, dim, _g in found_dims:
        if dim != "rep" or start not in by_who:
            continue
        before = [(s, d) for s, d, _ in found_dims if d != "rep" and ends.get(s, s) <= start and
                  _WHO_IS.fullmatch(text[ends.get(s, s):start])]
        if before:
            s, d = before[-1]
            out = [(s, d, True) if f[0] == s else f for f in out if f[0] != start]
    return out


def _counted_after(text: str, dim: str, found_dims: list, ends: dict[int, int]) -> bool:
    """ "上季度逾期付款的客户有几家", "赢单超过5单的销售有几个": how many said after the groups' word counts them."""
    return any(d == dim and _HOW_MANY_AFTER.match(text, ends.get(start, start)) for start, d, _g in found_dims)


def _groups_counted(text: str, found_dims: list, group_by: list[str], ends: dict[int, int]) -> str | None:
    """The grouping dimension asked "how many" of, or None."""
    for start, dim, _grouped in found_dims:
        if dim in group_by and dim not in _TIME_DIMS and _how_many_of(text, start, ends.get(start, start)):
            return dim
    return None
# "expected to close", "预计成交": open deals dated by their expected close, said with the period; the words name no
# metric ("expected" is not the weighted pipeline, 成交 not the deals won). 预计成交日期 is a slipped deal's date.
_EXPECTED_CLOSE = re.compile(r"\b(?:(?:is|are|was|were)\s+)?(?:expected|due|forecast|scheduled|slated) to (?:close|land|sign)\b|"
                             r"预计(?:会|要)?(?:成交|签单|关单|签约|落单)(?!日)", re.I)
# A number said just before the dimension compared: "which three accounts", "the 5 reps", "哪三个客户", "最低的两个部门".
_COUNT_BEFORE = re.compile(rf"(?:(?<![a-z])(?:which|the|my|our|top|bottom|best|worst)\s+{_NUM}\s+(?:\w+\s+)?|"
                           rf"(?:哪|前|后|最\w{{1,3}}的|的)\s*{_NUM}\s*(?:个|位|家|名|款|种|类)\s*)$", re.I)


def _count_before(text: str, start: int) -> int | None:
    m = _COUNT_BEFORE.search(text[max(0, start - 24):start])
    if not m:
        return None
    number = _n(next(g for g in m.groups() if g), 0)
    return number if 1 <= number <= 50 else None


_MEASURE_CUE = re.compile(r"\b(?:index|score|rate|ratio|average|mean|median|total|how many|how much|number of|"
                          r"count|trend|kpi|metric|percentage|share)\b|指数|得分|评分|比率|比例|平均|总额|总数|多少|"
                          r"几个|趋势|指标|占比", re.I)
_LISTING = re.compile(r"^\s*(?:list|show me (?:the|all|every)(?!\s+(?:number|count|total|sum|average|median|mean|share|"
                      r"percentage|rate|ratio|value|amount|trend)\b)|find|which deals|what deals|"
                      r"which of (?:my|our|the) (?:\w+ )?(?:deals|opportunities))\b|"
                      r"列出|列一下|列个|查找|有哪些|哪些商机|清单|明细|给我看下|给我看看", re.I)
_COUNTED = re.compile(r"\b(?:how many|number of|count|total)\b|多少|几个|几单|几笔|几次|数量|总数|一共|总共", re.I)
NOT_A_FIGURE = 0.1
# "the Summit Logistics parcel locker deal" is one deal; "the average deal size" is a figure
_THE_DEAL = re.compile(r"\bthe\s+(?!(?:average|median|mean|typical|biggest|largest|total)\b)(?:[\w-]+\s+){1,5}deal\b"
                       r"(?!\s+(?:size|value|amount|count|cycle))|那个.{1,12}(?:单子|商机)", re.I)
FIGURE_ASKED = 3  # a named metric and a measure, a count or a breakdown: a figure is wanted, not a record's summary
RANKING_ASKED = 4  # groups ranked by a named metric ("上个月丢单最多的销售是谁"): a figure whatever its words are near
# Records above or below an amount ("deals over 100000", "金额在20万以上的商机"): a list filtered by amount; the metric
# layer bounds figures by counts of other metrics, never by a deal's amount.
_AMOUNT_BOUND = re.compile(r"\b(?:over|above|more than|greater than|bigger than|larger than|under|below|less than)\s*[¥$]?\s*"
                           r"\d[\d,]{3,}(?:\.\d+)?\b|\b(?:over|above|more than|under|below)\s*[¥$]?\s*\d+(?:\.\d+)?\s*[km]\b|"
                           r"\d+(?:\.\d+)?\s*万\s*元?\s*(?:以上|以下)|(?:超过|大于|高于|不低于|低于|小于)\s*\d+(?:\.\d+)?\s*万",
                           re.I)
# Budget headroom ("how much discount budget is left", "how is my team doing against its budget", "离预算上限还有多远")
# is the unit's autonomy status (unit_status); the budget's total or use by unit or over a period is a metric.
_HEADROOM = re.compile(r"\b(?:left|remaining|remain|headroom|room|close to|near|run(?:ning)? out|against|limits?|doing)\b|"
                       r"剩|还有多少|快用完|用完|接近|离|上限|红线", re.I)
FIT_NAMED_METRIC = 0.03
# A unit's contract and its limits, said with no metric the catalogue has ("how far is each unit from its contract
# limits", "每个部门离合同上限还有多少"): unit_status answers how near each unit is to its budget, floor and ceilings.
_CONTRACT_LIMIT = re.compile(r"\b(?:contract|limits?|ceilings?|floors?)\b|合同|上限|限额|红线|底线", re.I)


def _group_by(filling: Filling) -> list[str]:
    return next((f.value for f in filling.filled if f.name == "group_by"), [])


def _a_length_of_time(named: list) -> bool:
    """Whether the metrics read are lengths of time ("工单平均几天解决": the cases' time to close), which no list of
    the records answers."""
    return bool(named) and all(default_catalog().metrics[m].unit == "days" for m in named[0].value)


def fit_bonus(filling: Filling, text: str, names_a_record: bool = False) -> float:
    """How much a named catalogue metric makes `query_metrics` likelier than a tool that lists records: a
    question about "gross profit on deals won" wants a number, "list the deals won" wants the deals, and a metric
    said only by a record's noun ("本月的商机") is the records unless a count of them is asked, of no named record."""
    if _ONE_DEAL.search(text):  # "how much discount am I allowed on D-1867?": about that deal, not a figure of many
        return -NOT_A_FIGURE
    named = [f for f in filling.filled if f.name == "metrics" and f.how == "enum"]
    budgets = named and all(default_catalog().metrics[m].source == "budgets" for m in named[0].value)
    # budget headroom ("anyone close to their discount budget?") is the unit's autonomy status (unit_status); the
    # metric layer only breaks budgets down (by unit, over a period, against another period)
    if budgets:
        asked = {f.name for f in filling.filled}
        if _HEADROOM.search(text):
            return -2 * FIT_NAMED_METRIC
        return FIT_NAMED_METRIC if asked & {"group_by", "period", "compare_to", "order"} or _MEASURE_CUE.search(text) \
            else -2 * FIT_NAMED_METRIC
    asked = {f.name for f in filling.filled}
    grouped = asked & {"group_by", "order", "compare_to", "having", "share_of"}
    if any(f.name == "metrics" and f.how == "unmeasured" for f in filling.filled):
        # "what's our NPS?", "why did we lose deals last quarter?": asked of the metrics, which say they cannot; of one
        # named record ("why did we lose the Acme deal?") its own records and notes say what is known
        one = names_a_record and (_THE_DEAL.search(text) or _ONE_DEAL.search(text))  # not "NPS" read as a name
        return -NOT_A_FIGURE if one else FIT_NAMED_METRIC * FIGURE_ASKED
    if _ONE_RECORD_RANKED.search(text) and ("group_by" not in asked or _group_by(filling) == ["rep"]):
        # "what's the biggest deal we won this quarter", "今年最大的一单是哪个": one record, the first of a list ranked by
        return -NOT_A_FIGURE  # amount; "who closed the biggest deal" is that deal's owner, shown in its row
    if not named:  # no catalogue metric: a guess (for "I can't do that") or one implied by a breakdown
        implied = any(f.name == "metrics" and f.how in ("implied", "guess") for f in filling.filled)
        if implied and _CONTRACT_LIMIT.search(text):  # "每个部门离合同上限还有多少": the units' status, not a metric
            return -NOT_A_FIGURE
        # "宏达机械那个…的单子到哪个阶段了", "海天电子有几个单子在跟": about a named record, not a figure
        return -NOT_A_FIGURE if implied and names_a_record and not (grouped - {"group_by"}) else 0.0
    bound_on_groups = {"having", "group_by"} <= asked  # "本月活动少于5条的销售有哪些": groups kept by a bound, not records
    if (_LISTING.search(text) and not bound_on_groups) or \
            (_AMOUNT_BOUND.search(text) and not bound_on_groups and not _bounded_aggregate(filling, text)) or \
            _acts(text) or \
            (names_a_record and _THE_DEAL.search(text)):
        return -NOT_A_FIGURE  # "列一下…的商机", "deals over 100000", "Initech signed!! please close D-1867 as won",
        # "we lost the Summit Logistics parcel locker deal": one named deal is a record, not a figure
    if _records_only(text) and not grouped and not _MONEY_WORD.search(text) and not _a_length_of_time(named) and \
            (not _COUNTED.search(text) or names_a_record):  # "看一下本月的商机", "海天电子有几个单子在跟"; "how
        return -NOT_A_FIGURE  # much did Acme order this year" asks a sum of money, a figure
    measured = grouped or _MEASURE_CUE.search(text) or _COUNTED.search(text) or \
        ("period" in asked and not _records_only(text)) or \
        ("filters" in asked and not _RECORDS_SAID.search(text) and not _records_only(text))
    # "how many cases are still open", "turnover in Q1"; "east-smb's open pipeline": a metric said with whose and
    # no records' noun ("华东区的在途商机" may be the deals) is its figure
    if {"group_by", "order"} <= asked:
        return FIT_NAMED_METRIC * RANKING_ASKED
    return FIT_NAMED_METRIC * (FIGURE_ASKED if measured else 1)


# An aggregate asked for in so many words ("how many open opportunities are in negotiation", "what is the open pipeline
# worth", "the total", "what's sitting in negotiation"): a figure over the records, not their list, even where a list
# tool's filters fit the sentence as well (the stage and "open" fit find_deals too). It weighs enough to clear the
# margin under which the user would be asked to choose; "show me / list the deals in negotiation" stays a list.
_AGGREGATE = re.compile(r"\bhow (?:many|much)\b|\b(?:number|count|sum|total) of\b|\bin total\b|\btotal\b|\bworth\b|"
                        r"多少|几[个单笔家位次件]|一共|总共|总额|总数", re.I)
# "what's sitting in negotiation", "what is our weighted pipeline": a question after what a metric is, not a record
_WHAT_IS = re.compile(r"^\s*(?:what(?:'s|’s| is| was| are)\b(?!\s+(?:the\s+)?(?:status|stage|latest|next|going on|happening|new)\b)|"
                      r"where (?:do|does|did) (?:we|i|things) stand (?:on|with)\b|where are we (?:on|with)\b)", re.I)
AGGREGATE_ASKED = 5


def aggregate_bonus(filling: Filling, text: str) -> float:
    """The weight `query_metrics` gets beside `fit_bonus` when a named metric's aggregate is asked in so many words
    (a count, a sum, a worth, or what the metric is), in no listing form; 0 otherwise."""
    named = any(f.name == "metrics" and f.how == "enum" for f in filling.filled)
    if not named or _LISTING.search(text) or (_AMOUNT_BOUND.search(text) and not _bounded_aggregate(filling, text)) or \
            _ONE_DEAL.search(text) or _acts(text):
        return 0.0
    if _AGGREGATE.search(text) or (_WHAT_IS.search(text) and not _records_only(text)):
        return FIT_NAMED_METRIC * AGGREGATE_ASKED
    return 0.0


# The money of bounded records asked for, not their count: "what are deals over 1M worth in total", "30万以上的商机一共多少钱".
_MONEY_ASKED = re.compile(r"\bhow much\b|\btotal\b|\bsum\b|\bworth\b(?!\s+(?:more|less|over|under|above|below|at))|"
                          r"多少钱|总额|总金额|合计|金额(?:是|有)?多少", re.I)


# "on average each rep", "平均每个销售", "每个销售平均": a count divided by the reps who did it (metric_terms.yaml
# `per_rep_of`), not the count by rep.
_PER_REP_AVERAGE = re.compile(r"\bon average\b.{0,40}\beach (?:rep|salesperson|person)\b|"
                              r"\beach (?:rep|salesperson|person)\b.{0,40}\bon average\b|"
                              r"平均每(?:个|位|名)?(?:销售|人)|每(?:个|位|名)?(?:销售|人)(?:平均|人均)|人均", re.I)


# One record picked by its size, no groups: "the biggest deal we won", "our largest open opportunity", "今年最大的一单".
_ONE_RECORD_RANKED = re.compile(r"\b(?:biggest|largest|smallest|top)\s+(?:(?:open|won|lost|closed|new)\s+)?"
                                r"(?:deal|order|opportunity)\b(?!\s+(?:size|value|amount|count))|"
                                r"最大的(?:一单|一个单子|单子|一个商机|商机|一笔订单|订单)|最大一单", re.I)


# Deals said with a negated closing after them: "有多少单子没关", "这个季度有多少单子逾期没关", "商机还没成交的有几个".
_DEALS_NOT_CLOSED = re.compile(r"(?:单子|商机)[^，。？?,]{0,6}?(?:还|仍|依然)?(?:没有|没|未|尚未)(?:关闭|关|结|成交|签)")


def _bounds_records(bound: dict, group_by: list[str]) -> bool:
    """Whether a money bound keeps records, not groups: said of the records themselves ("deals over 300K", "50万以上的
    单子"), or with no groups to keep ("成交金额超过50万的有几个"); "reps who sold more than 800K" keeps reps."""
    return bool(bound.get("money")) and (bool(bound.get("records")) or not group_by)


def _counted_when_bounded(text: str, metrics: list[str]) -> list[str]:
    """The metrics of records bounded by their amount: a count asked ("how many", 有几个) counts them, even where the
    bound named their money ("成交金额超过50万的单子有几个": the won deals, each over 500K); else as said."""
    if not _COUNT_CLAUSE.search(text) or _MONEY_ASKED.search(text):
        return metrics
    count_of = {money: count for count, money in _money_of().items()}
    return list(dict.fromkeys(count_of.get(m, m) for m in metrics))


def _bounded_aggregate(filling: Filling, text: str) -> bool:
    """A count, sum or rate of records bounded by their amount ("how many deals over 500K are open", "金额超过50万的
    单子有几个", "average margin on deals over 500K"): a figure; the same bound in a listing ("deals over 500K closing
    this quarter") asks for the deals."""
    asked = {f.name for f in filling.filled}
    named = next((f.value for f in filling.filled if f.name == "metrics" and f.how == "enum"), [])
    measured = bool(named) and all(default_catalog().metrics[m].unit in ("ratio", "days") for m in named)
    return "amount" in asked and not _LISTING.search(text) and \
        bool(_AGGREGATE.search(text) or _MEASURE_CUE.search(text) or {"group_by", "order"} <= asked or measured)
    # "win rate on deals over 300K": a measure; "which rep won the most deals over 300K": a ranking; "the typical sales
    # cycle for deals over 500K": a rate or a length of time is never the records themselves


@lru_cache(maxsize=1)
def _record_nouns() -> frozenset[str]:
    return frozenset(read_yaml(Path(__file__).with_name("metric_terms.yaml"))["record_nouns"])


def _records_only(text: str) -> bool:
    """Whether every metric the text names is named only by a record's noun ("商机" of 商机数量, "orders")."""
    lowered = text.lower()
    found = find_mentions(lowered, list(_vocab()[0]))
    return bool(found) and all(lowered[m.start:m.end].strip() in _record_nouns() for m in found)


def _acts(text: str) -> bool:
    """Whether a clause of the message opens with a verb of writing ("…!! please close D-1867 as won")."""
    return any(_WRITING_VERB_FIRST.search(clause) for clause in re.split(r"[!！?？.。;；]+", text)[1:])


def unmeasured_asked(filling: Filling) -> bool:
    """Whether the query asks for what nothing in the store measures ("NPS", "forecast accuracy"): the tool then says
    it cannot, and no forecast, anomaly or list answers in its place."""
    return any(f.name == "metrics" and f.how == "unmeasured" for f in filling.filled)


def _names_budget(filling: Filling) -> bool:
    named = [f for f in filling.filled if f.name == "metrics" and f.how == "enum"]
    return bool(named) and all(default_catalog().metrics[m].source == "budgets" for m in named[0].value)


# A tool most of whose examples name a catalogue metric answers metric questions: query_metrics, or the handover to
# the agent that carries it (the supervisor's transfer tools list the examples of the tools behind them).
METRIC_EXAMPLES_SHARE = 0.5
HANDOFF_WITH_MEASURE = 5  # a measure asked for besides the metric: a number is wanted, not records


def answers_metrics(view: ToolView) -> bool:
    """query_metrics, or a tool most of whose examples name a metric (decide.py asks this of handovers only: tools
    that take no arguments, offered together)."""
    return view.name == TOOL or _metric_share(view.examples) >= METRIC_EXAMPLES_SHARE


@lru_cache(maxsize=64)
def _metric_share(examples: tuple[str, ...]) -> float:
    names = tuple(_vocab()[0])
    return sum(bool(find_mentions(e.lower(), names)) for e in examples) / len(examples) if examples else 0.0


def handoff_bonus(filling: Filling, text: str, names_a_record: bool = False) -> float:
    """How much likelier a question naming a metric makes the handover to the agent with `query_metrics`: more when
    it also asks for a number, a ranking or a breakdown ("how many", "by unit", "各部门"). A budget ("close to their
    discount budget?") goes there too: that agent also carries the units' budgets and limits (unit_status)."""
    if _WRITING_VERB_FIRST.search(text) or _BA_ACTION.search(text):  # "把这个单子标成输单": an action, not a figure
        return 0.0
    bonus = FIT_NAMED_METRIC if _names_budget(filling) else max(fit_bonus(filling, text, names_a_record), 0.0)
    asked = {f.name for f in filling.filled}
    aggregate = bool(bonus and aggregate_bonus(filling, text))  # "what's the open pipeline worth in my region"
    if bonus and (asked & {"group_by", "order", "compare_to", "having"} or _MEASURE_CUE.search(text) or aggregate):
        bonus *= HANDOFF_WITH_MEASURE
    return bonus


# A count asked for in Chinese without 多少: "投诉数量", "工单数", "各…的…笔数".
_COUNT_ZH = re.compile(r"数量|[件笔单次个]数|统计|分布|排名|排行")
# A sentence opening with a verb of writing is a request, whatever figure it mentions ("log a meeting with Acme about
# the number of orders they plan").
_WRITING_VERB_FIRST = re.compile(r"^\s*(?:please\s+|pls\s+)?(?:log|record|note|add|open|create|file|raise|remind|set up|"
                                 r"schedule|move|mark|update|change|correct|revoke|withdraw|grant|erase|delete|push|bump|advance|progress|"
                                 r"promote|close|set|put|assign|approve|request|apply)\b|"
                                 r"^\s*(?:请|麻烦|帮我)?(?:记录|记一下|记下|记个|添加|新建|创建|提醒|开个|开一个|建个|更新|修改|删除|撤回)", re.I)


# "把海天电子最大的商机推进到谈判阶段": the 把 construction with a verb of moving or setting asks for an action, even
# with a ranking word ("最大") in it.
_ONE_DEAL = re.compile(r"\bD-\d{3,}\b", re.I)
# "I need a 12% discount on …", "we'd like a 5% price cut": a change of a stated size wanted, not a figure asked for
_WANTS_A_CHANGE = re.compile(r"^\s*(?:i|we)\s+(?:really\s+|urgently\s+|just\s+)?(?:need|want|'d\s+like|would\s+like)\s+"
                             r"(?:a|an|another)\s+\d+(?:\.\d+)?\s*%", re.I)
_BA_ACTION = re.compile(r"把.{1,30}?(?:推进|推|改|移|调|挪|标|设|转|放)(?:到|为|成)")


def asks_for_a_figure(filling: Filling, text: str) -> bool:
    """Whether the sentence asks for a figure: it names a catalogue metric and a measure, a ranking or a breakdown
    ("late payments by unit this year", "今年各客户的投诉数量"). Such a sentence is a question whatever its form, so it
    never writes ("Acme complains their delivery is late" names no measure and stays a complaint)."""
    named = any(f.name == "metrics" and f.how == "enum" for f in filling.filled)
    asked = {f.name for f in filling.filled} - ({"group_by"} if "bare_group" in filling.hints else set())
    if _ONE_DEAL.search(text):  # "D-1993申请8%的折扣": about one deal named by its id, not a figure over many
        return False
    return named and not _WRITING_VERB_FIRST.search(text) and not _BA_ACTION.search(text) \
        and not _WANTS_A_CHANGE.search(text) and bool(asked & {"group_by", "order", "compare_to", "having"} or _MEASURE_CUE.search(text)
                          or _COUNT_ZH.search(text))


def _done_by(text: str, start: int, end: int) -> bool:
    """ "emails sent by the team", "deals closed by the unit": who did it (the asker's scope), not a breakdown."""
    return bool(re.search(r"\b\w+(?:ed|ent|one|de|ld|ght)\s+by the\s*$", text[max(0, start - 24):start])) and \
        not text[start:end].endswith("s")


def _is_group(text: str, span: tuple[int, int], phrase: str) -> bool:
    before = text[max(0, span[0] - 24):span[0]]
    if re.search(_GROUP_CUE_EN + r"$", before) or re.search(r"(?:各|按|每|哪个|哪些|哪家|分|不同)\s*$", before):
        return True
    if re.search(r"\b(?:which|what)\s+of\s+(?:my|our|the|your)\s+(?:[\w-]+\s+)?$", before):
        return True  # "which of our finance customers": the customers are compared, the finance ones
    if re.match(r"(?:by|per|each|every|who|whose)\b", phrase) or phrase.startswith(("各", "按", "每", "谁", "哪")):
        return True
    after = text[span[1]:span[1] + 12]
    if re.match(r"\s*(?:里|中|当中|之中|里面)\s*[,，]?\s*(?:哪|谁)", after):  # "…的行业里，哪个平均客单价最高"
        return True
    if re.search(rf"(?:哪|which\s+|the\s+|top\s+|bottom\s+){_NUM}\s*(?:个|位|家|名|款|种)?\s*$", before):
        return True  # "哪三个客户", "which two units"
    if re.search(rf"前\s*{_NUM}\s*(?:大|名|位)\s*$", before):
        return True  # "前五大客户", "前三名销售": the first few of them
    return bool(re.match(r"\s*(?:by \w+|breakdown|排名|排行|分布|对比|之间)", after)) or \
        bool(re.match(r"s?\s+(?:with(?!\s+(?:[A-Z]|[\u4e00-\u9fff]))|who|that|whose|ranked|by)\b", after))


def _names(reading: Reading, kinds: tuple, filters: dict, taken: list) -> list[tuple[int, int]]:
    """Records named in the sentence (people, accounts, products, units) as filters; their spans. A unit only by
    its whole name: "industry" is a dimension, not North Industry."""
    spans = []
    for kind, dim in kinds:
        for match in reading.entities(kind):
            if kind == "unit" and not match.exact:
                continue
            if match.canonical and not any(match.start < e and s < match.end for s, e in taken):
                filters.setdefault(dim, []).append(match.canonical)
                taken.append((match.start, match.end))
                spans.append((match.start, match.end))
    return spans


_DEALS = re.compile(r"\b(?:deals?|opportunit(?:y|ies))\b|商机|单子", re.I)
# deals counted or ranked by how many, with no state or verb naming which ("how many deals does each rep have")
_HOW_MANY_DEALS = re.compile(r"\b(?:how many|number of|most|fewest)\b|多少|几个|最多|最少", re.I)
_MONEY = re.compile(r"\b(?:value|amount|worth|how much|total)\b|金额|多少钱|总额|价值", re.I)


def _from_stage(text: str, stages: list[str]) -> list[str]:
    """ "how many deals are in negotiation", "value of deals at the proposal stage": deals in named stages, counted
    or summed (open stages: the pipeline; won or lost: what was decided); "what's sitting in negotiation" asks the
    same of a stage as "what's in the proposal stage"; so does an aggregate asked of a stage ("how much money is tied up
    in proposals", "how many are in negotiation")."""
    if not stages or not (_DEALS.search(text) or re.search(r"\bstages?\b|阶段|^\s*what(?:'s|’s| is| are)\b", text)
                          or _AGGREGATE.search(text)):
        return []
    # "what's in the proposal stage": its pipeline; "how many are in negotiation": its deals
    money = bool(_MONEY.search(text)) or not (_DEALS.search(text) or _COUNTED.search(text))
    if set(stages) <= {"lead", "qualified", "proposal", "negotiation"}:
        return ["pipeline_value" if money else "open_deals"]
    if stages == ["won"]:
        return ["won_value" if money else "won_deals"]
    return ["lost_deals"] if stages == ["lost"] and not money else []


def _with_channels(text: str, metrics: list[str], filters: dict, when: bool = False) -> list[str]:
    """ "打了多少个电话", "calls made by my team", "emails sent by the team last month": the activities of the
    channels named (asked as a count or over a period). A metric that is one channel's count (meetings) said beside
    other channels ("电话、邮件和拜访各有多少次") counts them all."""
    channels = filters.get("channel")
    if not channels:
        return metrics
    catalog = default_catalog()
    column = catalog.dimensions["channel"].key
    every = next((m.name for m in catalog.metrics.values() if m.source == column.split(".")[0] and not m.where
                  and m.measure and m.measure["agg"] == "count"), None)
    if not metrics:
        return [every] if every and (_MEASURE_CUE.search(text) or when) else metrics
    out = []
    for name in metrics:
        pinned = next((w["in"] for w in catalog.metrics[name].where if w.get("column") == column and "in" in w), None)
        if pinned and every and not set(channels) <= set(pinned):
            channels.extend(v for v in pinned if v not in channels)
            name = every
        out.append(name)
    return list(dict.fromkeys(out))


_MONEY_WORD = re.compile(r"\b(?:value|worth|money|amount|how much|dollars|revenue|size)\b|[¥$]|多少钱|金额|值多少|总额|总值|价值|"
                         r"多少万", re.I)


_RECORDS_SAID = re.compile(r"\b(?:deals?|opportunit(?:y|ies)|orders?|payments?)\b|商机|订单|单子|几单|多少单|笔", re.I)


# "What did we win last month?", "what did East SMB book in orders": "what" is the object of a verb of winning or
# booking, so what was won or booked, in money, not how many times.
_WHAT_DONE = re.compile(r"^\s*what\s+(?:did|have|has|will)\s+(?:[\w-]+\s+){1,3}?(?:win|won|lose|lost|book|booked|sell|sold|sign|signed|"
                        r"bring in|brought in|land|landed)\b", re.I)


def _as_money(text: str, metrics: list[str], whole: str = "") -> list[str]:
    """ "the total value of open deals", "成交了多少钱": a count said with a word of money (in `text`, the words not
    read yet) asks for the money metric of the same records (metric_terms.yaml `money_of`); so does a total said of
    no records nor a count ("our closed-won total", "the lost total": in `whole`, the sentence, "total won deals" and
    "how many in total" are counts)."""
    total_of_money = re.search(r"\b(?:total|sum)\b", text, re.I) and not _COUNT_ASK.search(whole) and not _RECORDS_SAID.search(whole)
    if not metrics or not (_MONEY_WORD.search(text) or total_of_money or _WHAT_DONE.search(whole or text)):
        return metrics
    return list(dict.fromkeys(_money_of().get(m, m) for m in metrics))


# A cohort: "of the deals created this year, how many have we won", "今年新建的商机里赢了多少单": the deals dated by their
# creation that were won (counted), or the share of them (a rate, a percentage, 比例).
_CREATED_COHORT = re.compile(r"\bof (?:the|all|our|those) (?:new )?(?:deals|opportunities) (?:we )?(?:created|opened|added|"
                             r"started|generated)\b|(?:新建|新增|新开|新创建)的?(?:商机|单子)(?:中|里|当中|里面|之中)", re.I)
_WON_WORD = re.compile(r"\b(?:won|win|closed won|converted|convert)\b|赢|成交|签", re.I)
_SHARE_WORD = re.compile(r"\b(?:percent(?:age)?|share|rate|proportion|ratio|fraction)\b|%|比例|占比|百分之|多少比|转化率", re.I)


def _of_the_created(text: str, metrics: list[str]) -> list[str]:
    """Deals created in a period and then won: new_deals_won, or conversion_rate when a share is asked."""
    m = _CREATED_COHORT.search(text)
    if not m or not _WON_WORD.search(text[m.end():]):
        return metrics
    return ["conversion_rate" if _SHARE_WORD.search(text) else "new_deals_won"]


# "typical order size": the average of the orders' amounts ("typical deal size" is named by the median's own words)
_AVERAGE_WORD = re.compile(r"\b(?:on average|average|avg|mean|typical|typically|usual)\b|平均", re.I)
_PER_WORD = re.compile(r"\b(?:per|each|every|by)\b|每|各", re.I)


# "平均每笔订单多少钱", "on average per order": each of the records averaged, not a breakdown by something else
_PER_RECORD = re.compile(r"每一?(?:笔|单|个订单|张订单|个商机|个单子)|\b(?:per|each|every|a|an)\s+(?:deal|order|opportunity|sale)\b",
                         re.I)


def _as_average(text: str, metrics: list[str], whole: str = "") -> list[str]:
    """ "What's a won deal worth on average?": a sum of money said with a word of average, and no "per …" (an
    average per rep is the sum by rep), asks for the average of the same records (metric_terms.yaml `average_of`)."""
    per = _PER_WORD.search(_PER_RECORD.sub(" ", text)) and _PER_WORD.search(_PER_RECORD.sub(" ", whole or text))
    if not metrics or not _AVERAGE_WORD.search(text) or per:  # "平均每个订单多少钱": 每 of the record is no "per …"
        return metrics
    return list(dict.fromkeys(_average_of().get(m, m) for m in metrics))


def _as_share(text: str, metrics: list[str], said: list[str] = ()) -> list[str]:
    """ "Out of our closed deals, what share did we lose?", "结单里输了多少比例": a share asked, and both the numerator
    and the denominator of a catalogue rate read as metrics (or said at all: "of the deals we closed" only says which
    rows, yet it is the whole of the share): that rate (loss_rate of lost_deals over closed_deals)."""
    if not metrics or not _SHARE_WORD.search(text):
        return metrics
    out = list(dict.fromkeys([*metrics, *said]))
    if len(out) == 1:
        return _share_by_verb(text, metrics)
    if not any(default_catalog().metrics[r].unit == "ratio" and {(default_catalog().metrics[r].ratio or {}).get(k)
               for k in ("numerator", "denominator")} <= set(out) for r in default_catalog().metrics):
        return metrics if len(metrics) > 1 else _share_by_verb(text, metrics)
    rates = []
    for name, metric in default_catalog().metrics.items():
        ratio = metric.ratio or {}
        if metric.unit == "ratio" and ratio.get("numerator") in out and ratio.get("denominator") in out:
            out = [m for m in out if m != ratio["denominator"]]
            out[out.index(ratio["numerator"])] = name
            rates.append(name)
    return [m for m in out if m in metrics or m in rates]  # a name only said of the rows stays unasked


def _share_by_verb(text: str, metrics: list[str]) -> list[str]:
    """ "Of the deals we closed this year, what share did we win?", "已关闭的商机里赢下的占比": the whole named, the part
    said by its verb (metric_terms.yaml `threshold_verbs`): the catalogue rate of that part over that whole."""
    verbs = _threshold_verbs()[1]
    for name, metric in default_catalog().metrics.items():
        ratio = metric.ratio or {}
        if metric.unit != "ratio" or ratio.get("denominator") != metrics[0]:
            continue
        if any(part == ratio.get("numerator") and re.search(rf"(?<![a-z]){re.escape(verb)}(?![a-z])", text)
               for verb, part in verbs.items()):
            return [name]
    return metrics


# A count asked of what a money metric names: "deal count won in FY2025", "签了多少单", "number of orders".
_COUNT_ASK = re.compile(r"\b(?:count|number of|how many)\b|多少单|几单|单数|多少笔|几笔|笔数", re.I)
_RECORDS_COUNTED = re.compile(r"(?:多少|几)\s*(?:个|份|张)?\s*(?:合同|单子)")  # "签了多少合同": contracts counted


def _as_count(text: str, metrics: list[str], whole: str = "") -> list[str]:
    """ "deal count won", "number of bookings", "签了多少合同": a money metric said with a word of counting (and none of
    money) asks for the count of the same records (metric_terms.yaml `money_of`, read backwards). `text` has the
    metric's own words blanked; the records counted may be said after them (`whole`)."""
    whole = whole or text
    if not metrics or not (_COUNT_ASK.search(text) or _RECORDS_COUNTED.search(whole)) or _MONEY_WORD.search(whole):
        return metrics
    count_of = {money: count for count, money in _money_of().items()}
    return list(dict.fromkeys(count_of.get(m, m) for m in metrics))


# "How many deals did we win last month, and what was the total?", "上个月赢了几单，总金额是多少？": a count asked in one
# clause and the money in another asks for both figures of the same records (metric_terms.yaml `money_of`).
_CLAUSES = re.compile(r"[,，;；]|\band\b(?=\s+(?:what|how|the|their|its)\b)|以及|并且|另外", re.I)
_COUNT_CLAUSE = re.compile(r"\b(?:how many|number of|count)\b|多少单|几单|几个|几笔|多少笔|多少个|"
                           r"(?:多少|几)\s*(?:个|份|张|笔)?\s*(?:订单|单子|商机|合同|工单)", re.I)
_MONEY_CLAUSE = re.compile(r"\b(?:total|sum|worth|value|amount|how much)\b|金额|总额|多少钱|合计|总值|价值", re.I)


def _count_and_amount(text: str, metrics: list[str]) -> list[str]:
    """One count or money metric, its count asked in one clause and its money in another: both, in the order said."""
    if len(metrics) != 1:
        return metrics
    count_of = {money: count for count, money in _money_of().items()}
    count, money = count_of.get(metrics[0], metrics[0]), _money_of().get(metrics[0], metrics[0])
    if count == money:
        return metrics
    clauses = [c for c in _CLAUSES.split(text) if c and c.strip()]
    counted = next((i for i, c in enumerate(clauses) if _COUNT_CLAUSE.search(c) and not _MONEY_CLAUSE.search(c)), None)
    summed = next((i for i, c in enumerate(clauses) if _MONEY_CLAUSE.search(c) and not _COUNT_CLAUSE.search(c)), None)
    if counted is None or summed is None:
        return metrics
    return [count, money] if counted < summed else [money, count]


# From where a deal starts to its close: how long the whole way takes ("from lead to won", "从线索到成交")
_JOURNEY = re.compile(r"(?:\bfrom|从)\s*[^，,。？?；;]{1,20}?\s*(?:\bto|\buntil|\btill|到)\s*(?:成交|赢单|签约|签单|拿下|关单|"
                      r"clos(?:e|ed|ing)\b|won\b|win(?:ning)?\b|signature\b|signing\b)", re.I)
_JOURNEY_METRIC = "sales_cycle_days"
_DAYS_ASK = re.compile(r"\b(?:days|how long|how many days|cycle|how (?:fast|quickly))\b|多少天|几天|天数|多久|多长时间|周期|多快|"
                       r"快不快", re.I)


def _as_days(text: str, metrics: list[str]) -> list[str]:
    """ "average days to close a won deal", "赢单平均要多少天": a count said with a word of days asks for the metric in
    days over the very same rows (same source, same conditions): won deals → the sales cycle of won deals."""
    if not metrics or not _DAYS_ASK.search(text):
        return metrics
    catalog = default_catalog().metrics
    out = []
    for name in metrics:
        m = catalog.get(name)
        same = [d.name for d in catalog.values() if m is not None and m.unit == "count" and d.unit == "days"
                and d.source == m.source and d.where == m.where]
        if not same and m is not None and m.unit == "count" and not m.where:  # "工单平均几天解决": the records said
            same = [d.name for d in catalog.values() if d.unit == "days" and d.source == m.source]  # with no state:
            same = same if len(same) == 1 else []  # the one length of time measured on them
        out.append(same[0] if same else name)
    return list(dict.fromkeys(out))


_ALL_OF = re.compile(r"\ball\s+(?:the\s+|our\s+|of\s+(?:the|our)\s+)?$|(?:所有|全部)的?\s*$", re.I)
_TOTAL_WORD = re.compile(r"\b(?:total|sum|altogether)\b|总额|总共|一共|合计|加起来|总计", re.I)


def _totalled(text: str, metrics: list[str]) -> list[str]:
    """ "the total marketing and discount budget", "预算一共多少": a rate cannot be totalled; said with a total, a rate
    of an amount (budget utilisation: used / the budget) asks for that amount, its denominator."""
    if not metrics or not _TOTAL_WORD.search(text):
        return metrics
    catalog = default_catalog().metrics
    out = []
    for name in metrics:
        base = (catalog[name].ratio or {}).get("denominator") if name in catalog else None
        out.append(base if base and catalog[base].unit == "money" else name)
    return list(dict.fromkeys(out))


@lru_cache(maxsize=1)
def _terms() -> dict:
    return read_yaml(Path(__file__).with_name("metric_terms.yaml"))


def _negated_states(text: str, spotted: list[Mention], metrics: list[str]) -> list[str]:
    """ "逾期未关闭的商机", "deals not closed yet", "unclosed deals": a state said negated is the other state
    (metric_terms.yaml `negated`)."""
    negated = _terms()["negated"]
    zh, en = negated["before"]["zh"], negated["before"]["en"]
    out = list(metrics)
    english = re.compile(rf"(?<![a-z])(?:(?:{'|'.join(en)})\s+(?:yet\s+)?|un|non-?)$")
    for m in spotted:
        other = negated["states"].get(m.key[1])
        before = text[max(0, m.start - 12):m.start]
        if other and m.key[1] in out and (before.endswith(tuple(zh)) or english.search(before)):
            out[out.index(m.key[1])] = other
    return list(dict.fromkeys(out))


def _modified(text: str, metrics: list[str], named: list[tuple[int, int]] = ()) -> tuple[list[str], tuple[int, int] | None]:
    """Metrics turned by a word said anywhere ("weighted", "加权", "overdue": metric_terms.yaml `modified_by`), and
    where a "weighted by X" / "按X加权" was said (X then weighs the sum and is no breakdown). A word inside the name of
    a metric asked for (`named`) is that metric's own ("回款和逾期应收款": 逾期 is the receivables', not the payments')."""
    weighting = None
    for rule in _terms()["modified_by"]:
        words = "|".join(re.escape(w) for w in sorted(rule["words"], key=len, reverse=True))
        said = next((w for w in re.finditer(rf"(?<![a-z])(?:{words})(?![a-z])", text)
                     if not any(start <= w.start() and w.end() <= end for start, end in named)), None)
        if not said or not any(m in rule["turns"] for m in metrics):
            continue
        metrics = list(dict.fromkeys(rule["turns"].get(m, m) for m in metrics))
        by = re.search(rf"按\s*\S{{1,4}}?\s*(?:{words})|(?:{words})\s+by\s+(?:the\s+)?[\w-]+", text)
        weighting = by.span() if by else weighting
    return metrics, weighting


@lru_cache(maxsize=1)
def _still_open_pattern() -> re.Pattern:
    words = _terms()["still_open"]["words"]
    en = "|".join(sorted((re.escape(w).replace(r"\ ", r"\s+") for w in words["en"]), key=len, reverse=True))
    zh = "|".join(sorted(map(re.escape, words["zh"]), key=len, reverse=True))
    return re.compile(rf"(?<![a-z])(?:{en})(?![a-z])|{zh}", re.I)


def _still_open(text: str, metrics: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Cases counted in a state of not yet done, said before or after their noun ("投诉没解决的有多少", "unresolved
    complaints", "工单还没关的有几个"): the open cases, and the filters saying which (the kind or priority the counted
    metric names; a level said by its own word narrows them: metric_terms.yaml `still_open`)."""
    turns = _terms()["still_open"]["turns"]
    if not any(m in turns for m in metrics) or not _still_open_pattern().search(text):
        return metrics, {}
    out, filters = [], {}
    for m in metrics:
        rule = turns.get(m)
        if rule:
            filters.update({dim: list(keys) for dim, keys in rule["filters"].items()})
            for dim, levels in (rule.get("level_said") or {}).items():
                said = [key for key, words in levels.items()
                        if any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", text) for w in words)]
                if said:
                    filters[dim] = said
        out.append(rule["metric"] if rule else m)
    return list(dict.fromkeys(out)), filters


@lru_cache(maxsize=1)
def _state_verb_patterns() -> list[tuple[re.Pattern, dict[str, str]]]:
    subject = r"(?:we|they|you|i|he|she|the team|my team|our team|reps)"
    out = []
    for rule in _terms()["state_as_verb"]:
        words = "|".join(map(re.escape, rule["words"]))
        zh = "|".join(map(re.escape, rule.get("zh", ())))
        zh_done = rf"|(?<![没未不召离打展公])(?:{zh})" if zh else ""
        out.append((re.compile(rf"\b(?:did|do|does|have|has|had|will)\s+{subject}\s+(?:{words})\b|"
                               rf"\b{subject}\s+(?:{words})\b{zh_done}", re.I), rule["turns"]))
    return out


def _state_as_verb(text: str, metrics: list[str]) -> list[str]:
    """ "How many cases did we open in October?", "how many complaints did we close": a state's word or a verb said as
    what someone did is the metric of doing it (metric_terms.yaml `state_as_verb`); "do we have open cases" keeps the
    state."""
    for pattern, turns in _state_verb_patterns():
        if metrics and pattern.search(text):
            return list(dict.fromkeys(turns.get(m, m) for m in metrics))
    return metrics


def _share_of_a_kind(text: str, metrics: list[str], spotted: set[str]) -> list[str]:
    """ "What percentage of our cases are complaints?": a share asked of one kind (complaints) among every kind said
    beside it (cases): the metric over every kind, which `_narrowed` then filters to the kind, as a share of the whole
    (metric_terms.yaml `narrowed_by`)."""
    if len(metrics) != 1 or not _SHARE_OF.search(text):
        return metrics
    rule = _terms()["narrowed_by"].get(metrics[0])
    whole = [m for m in (rule or {}).get("over", ()) if m in spotted and m != metrics[0]]
    return whole[:1] or metrics


def _narrowed(metrics: list[str], spotted: set[str]) -> tuple[list[str], dict[str, list[str]]]:
    """A metric over every kind of case said beside the metric of one kind ("time to resolve a complaint"): that
    metric over the kind (metric_terms.yaml `narrowed_by`), the kind's own metric dropped; else as they were."""
    filters: dict[str, list[str]] = {}
    for kind_metric, rule in _terms()["narrowed_by"].items():
        if kind_metric in spotted and any(m in rule["over"] for m in metrics):
            filters.update({dim: list(keys) for dim, keys in rule["filters"].items()})
            metrics = [m for m in metrics if m != kind_metric]
    return metrics, filters


@lru_cache(maxsize=1)
def _complement_pattern() -> tuple[re.Pattern, dict[str, str]]:
    terms = _terms()
    verbs = {**terms["threshold_verbs"]["zh"], **terms["complement_verbs"]}
    said = "|".join(sorted(map(re.escape, verbs), key=len, reverse=True))
    words = "|".join(sorted(map(re.escape, terms["complement_words"]), key=len, reverse=True))
    particles = "|".join(sorted(map(re.escape, terms["clause_particles"]), key=len, reverse=True))
    nouns = "|".join(sorted(map(re.escape, terms["clause_nouns"]), key=len, reverse=True))
    return re.compile(rf"({said})(?:\1)?得\s*(?:{words})|"
                      rf"(?<![没未不])(?<!预计)({said})(?:{particles})?的\s*(?:{_ZH_AMOUNT})?\s*(?:{nouns})|"
                      rf"(?<![没未不])(?<!预计)({said})(?:{particles})?\s*(?:几|多少)\s*(?:个|份|张)?\s*(?:{_ZH_AMOUNT})?"
                      rf"\s*(?:{nouns})|"
                      rf"(?:几|多少)\s*(?:个|份|张)?\s*(?:{nouns})\s*(?:被|给)?\s*(?<![没未不])({said})(?:{particles})?(?![得的])"), verbs


# An amount said between the records counted and their noun ("丢了几个超过30万的单子"): which of them, not what.
_ZH_AMOUNT = (r"(?:超过|大于|高于|不低于|低于|小于|不到|不足)\s*\d+(?:\.\d+)?\s*[千万亿]?\s*元?\s*(?:以上|以下)?\s*的?|"
              r"\d+(?:\.\d+)?\s*[万亿]\s*元?\s*(?:以上|以下)\s*的?")


_RANKED_BY = re.compile(r"最多|最少|最高|最低|排名|排行")


def _by_complement(text: str) -> list[str]:
    """ "单子丢得最多的是哪个销售", "谁签得最少": a ranking said by the verb's complement (V得最多) names the verb's metric;
    so does the verb of a relative clause before a record's noun ("今年丢了的单子有几个", "丢掉的单子总金额") or of
    records counted, before or after them ("今年签了几份合同", "最近一个月有几个单子丢了"):
    metric_terms.yaml `complement_verbs`, `threshold_verbs`, `clause_particles`."""
    pattern, verbs = _complement_pattern()
    m = pattern.search(text)
    if m and m.group(2) and not (_COUNTED.search(text) or _MONEY_WORD.search(text) or _AVERAGE_WORD.search(text)
                                 or _RANKED_BY.search(text)):
        return []  # "看一下今年丢掉的单子": the records themselves, no figure of them asked; "哪个销售丢的单最多" ranks by them
    return [verbs[m.group(1) or m.group(2) or m.group(3) or m.group(4)]] if m else []


# Reps, units, products or periods ranked by how good they are, no metric named ("who is my best rep", "哪个部门最弱",
# "what was our best month"): by won value
_RANKED_BY_PERFORMANCE = {"rep", "unit", "region", "product", "industry", "city", "week", "month", "quarter", "year"}
_PERFORMANCE = re.compile(r"\b(?:best|worst|top|strongest|weakest|star)\b|最好|最差|最强|最弱|最厉害|最牛", re.I)
# A group's word said as the thing counted: right after it a count or a ranking ("客户数最多的行业", "哪个销售的客户最多")
_COUNTED_AFTER = re.compile(r"\s*(?:的)?(?:总数|数量|个数|数|最多|最少)")
_COUNTED_BEFORE = re.compile(r"\b(?:most|fewest|least|number of)\s+$", re.I)  # "which unit has the most customers"


def _entity_counted(text: str, found_dims: list, ends: dict[int, int]) -> str | None:
    """The reps or accounts counted when no metric is named: asked "how many" of ("我们有几个销售", "how many accounts
    does each unit have") or said with a count or ranking right after them while another group is asked by
    ("哪个销售的客户最多": the accounts of each rep). metric_terms.yaml `entity_counts` names each one's metric."""
    counts = _terms()["entity_counts"]
    for start, dim, _grouped in found_dims:
        if dim not in counts:
            continue
        if _how_many_of(text, start, ends.get(start, start)):
            return dim
        others = [d for _s, d, _g in found_dims if d != dim]
        if others and (_COUNTED_AFTER.match(text, ends.get(start, start)) or _COUNTED_BEFORE.search(text[:start])):
            return dim
    return None


def _of_closed_deals(name: str) -> bool:
    """Whether the metric counts only deals won or lost (or is a rate of such: win rate, conversion)."""
    m = default_catalog().metrics.get(name)
    if m is None:
        return False
    if m.ratio:
        return _of_closed_deals(m.ratio["numerator"])
    stages = [set(c.get("in", ())) for c in m.where if c["column"] == "deals.stage"]
    return bool(stages) and all(st and st <= {"won", "lost"} for st in stages)


def _records_of_the_verb(text: str, metrics: list[str], spotted: list[Mention]) -> list[str]:
    """ "上个月丢了几个单子，丢了多少钱", "单子丢得最多的是哪个销售": a record's noun said with a verb of what was done to the
    records ("丢了几个单子") names the verb's records, not every record of its kind (metric_terms.yaml
    `threshold_verbs`, `clause_nouns`)."""
    pattern, verbs = _complement_pattern()
    m = pattern.search(text)
    verb = m and (m.group(1) or m.group(2) or m.group(3) or m.group(4))
    if not verb or not metrics:
        return metrics
    nouns = [n.key[1] for n in spotted if text[n.start:n.end].strip() in _record_nouns()]
    if m.group(2) and not (_COUNTED.search(text) or _MONEY_WORD.search(text) or _AVERAGE_WORD.search(text)
                           or _RANKED_BY.search(text)):
        return [name for name in metrics if name not in nouns]  # "看一下今年丢掉的单子": the records, no figure
    return list(dict.fromkeys(verbs[verb] if name in nouns else name for name in metrics))


def _days_by_verb(text: str) -> list[str]:
    """ "今年单子平均多久能签下来", "平均几天能拿下一单": how long asked with a verb, no metric named, is the days metric of
    the verb's records (metric_terms.yaml `days_of_verbs`)."""
    if not _DAYS_ASK.search(text):
        return []
    days_of, verbs = _terms()["days_of_verbs"], _complement_pattern()[1]
    said = [verb for verb, metric in verbs.items() if metric in days_of and
            re.search(rf"(?<![a-z没未不]){re.escape(verb)}(?![a-z])", text)]  # "多少天没签单" is no cycle
    return [days_of[verbs[said[0]]]] if said else []


def _days_to_pay(text: str, metrics: list[str]) -> list[str]:
    """ "我们的订单平均要多久才回款", "客户下单后一般多少天付款": how long asked with a verb of being paid is the days to
    payment, whatever records are named (metric_terms.yaml `days_verbs`); a metric in days already asked stays."""
    catalog = default_catalog().metrics
    if not _DAYS_ASK.search(text) or any(m in catalog and catalog[m].unit == "days" for m in metrics):
        return metrics
    for verb, metric in _terms()["days_verbs"].items():
        if re.search(rf"(?<![没未不]){re.escape(verb)}", text):
            return [metric]
    return metrics


@lru_cache(maxsize=1)
def _object_verbs() -> re.Pattern:
    words = _terms()["object_verbs"]
    zh = "|".join(sorted(map(re.escape, words["zh"]), key=len, reverse=True))
    en = "|".join(sorted((re.escape(w).replace(r"\ ", r"\s+") for w in words["en"]), key=len, reverse=True))
    return re.compile(rf"(?:{zh})了?\s*$|(?<![a-z])(?:{en})\s+(?:the\s+|our\s+|with\s+)?(?:most\s+|fewest\s+)?$", re.I)


def _object_of_a_verb(text: str, start: int) -> bool:
    """Whether the dimension word at `start` is the object of a verb of contact ("拜访客户最多的销售", "visited the
    most customers"): what was done to, not a breakdown (metric_terms.yaml `object_verbs`)."""
    return bool(_object_verbs().search(text[max(0, start - 16):start]))


@lru_cache(maxsize=1)
def _average_of() -> dict[str, str]:
    return read_yaml(Path(__file__).with_name("metric_terms.yaml"))["average_of"]


@lru_cache(maxsize=1)
def _money_of() -> dict[str, str]:
    return read_yaml(Path(__file__).with_name("metric_terms.yaml"))["money_of"]


@lru_cache(maxsize=1)
def _unmeasured_pattern() -> re.Pattern:
    words = read_yaml(Path(__file__).with_name("metric_terms.yaml"))["unmeasured"]
    en = "|".join(sorted((re.escape(w).replace(r"\ ", r"[\s-]+") for w in words["en"]), key=len, reverse=True))
    zh = "|".join(sorted(map(re.escape, words["zh"]), key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{en})(?![a-z0-9])|{zh}", re.I)


def _unmeasured(text: str) -> str | None:
    """What the sentence asks for that no data measures ("our NPS", "获客成本"), in its own words, or None."""
    m = _unmeasured_pattern().search(text)
    return m.group(0) if m else None


def _asked_metrics(text: str, spotted: list[Mention]) -> list[str]:
    """The metrics a sentence asks for, in the order said. Of several, the best-named one is asked for, and others
    only when joined to it ("win rate and pipeline"): "which unit closed the biggest won value" asks for won value
    ("closed" is the verb), "margin of won deals" for the margin ("won deals" says which rows)."""
    if len(spotted) <= 1:
        return [m.key[1] for m in spotted]
    heads = [m for m in spotted if not _modifier(text, m, spotted)] or spotted
    best = min(heads, key=lambda m: (-m.covered, m.fillers, m.start))
    kept = []
    for m in sorted(spotted, key=lambda m: m.start):
        if m is best:
            kept.append(m)
            continue
        between = text[min(m.end, best.end):max(m.start, best.start)]
        if _JOINED.search(between) and not _qualifier(text, m.start, m.end):
            kept.append(m)
    return list(dict.fromkeys(m.key[1] for m in kept))


_JOINED = re.compile(r"\band\b|&|,|，|、|和|及|与|以及|跟|还有|plus\b|as well as", re.I)


def _modifier(text: str, m: Mention, spotted: list[Mention]) -> bool:
    """ "lowest-margin product among won deals", "赢单毛利", "won deals margin": a name that only says which rows
    another name is measured over, by a word before it ("among"), or a count of records standing right before a
    measure (a noun before its head, in both languages; "weighted pipeline closing" is no such pair)."""
    catalog = default_catalog().metrics
    counts = lambda n: n in catalog and catalog[n].unit == "count"  # noqa: E731
    return _qualifier(text, m.start, m.end) or counts(m.key[1]) and any(
        o is not m and o.start >= m.end and not counts(o.key[1]) and not text[m.end:o.start].strip(" 的'’s")
        for o in spotted)


def _qualifier(text: str, start: int, end: int) -> bool:
    """ "margin of won deals", "赢单的平均毛利率", "卖出去的产品里哪个毛利最高": a metric word that only says which rows
    the other metric is over (a verb's complement may stand before 的)."""
    return bool(re.search(r"\b(?:of|on|among|across|over|for)\s+(?:(?:the|our|my|their|all|those|these)\s+)?$",
                          text[max(0, start - 14):start])) or \
        bool(re.match(r"(?:出去|出来|下来|掉|了|过|去)?的", text[end:end + 3]))


def _blank(text: str, taken: list[tuple[int, int]]) -> str:
    """The text with the spans already read blanked out (same length, so positions still hold)."""
    chars = list(text)
    for s, e in taken:
        s, e = max(s, 0), min(e, len(chars))
        if s < e:
            chars[s:e] = " " * (e - s)
    return "".join(chars)


def _period(text: str, reading: Reading, taken: list) -> dict | None:
    """The period a sentence names, running on to today when it says so ("since March", "本季度截至目前")."""
    before = len(taken)
    period = _named_period(text, reading, taken)
    if period is None or len(taken) == before:
        return period
    return run_on_to_today(text, taken[before], period, reading.today, taken)


def _named_period(text: str, reading: Reading, taken: list) -> dict | None:
    # before "this year" / "Q3" read a part of them: "by the end of this year", "this time last year", "Q2 and Q3"
    for finder in (find_until_end, find_this_time_last_year, find_two_quarters, find_first_of_year, find_month_range,
                   find_year_month):
        found = finder(text, reading.today)
        if found:
            taken.append(found[1])
            return found[0]
    for pattern in _PAST:
        m = pattern.search(text)
        if m:
            grain = _GRAIN_EN.get(m.group(2).lower()) or _GRAIN_ZH.get(m.group(2), "month")
            taken.append(m.span())
            return {"relative": "past", "grain": grain, "n": _n(m.group(1)), "label": m.group(0)}
    grain = to_date_grain(text)
    if grain:
        taken.append(grain[1])
        return {"relative": "to_date", "grain": grain[0], "label": text[grain[1][0]:grain[1][1]]}
    m = _TO_DATE.search(text)
    if m:
        taken.append(m.span())
        return {"relative": "to_date", "grain": "year", "label": m.group(0)}
    # before "this year" / "上个月" read a part of them
    for finder in (find_half_year, find_half, find_before_last, find_ordinal_quarter, find_season):
        found = finder(text, reading.today)
        if found:
            taken.append(found[1])
            return found[0]
    m = _RELATIVE_QUARTER.search(text)
    if m:
        which, quarter = (m.group(1), m.group(2) or m.group(3)) if m.group(1) else (m.group(5), m.group(4))
        offset = -1 if which.startswith(("去", "上", "last")) else 1 if which.startswith(("明", "下", "next")) else 0
        taken.append(m.span())
        return {"fiscal_year": reading.today.year + offset, "quarter": _n(quarter), "label": m.group(0)}
    for i, pattern in enumerate(_FISCAL):  # in the text not read yet: "FY2025 vs FY2024" names two
        m = pattern.search(text)
        if not m:
            continue
        taken.append(m.span())
        label = reading.text[m.start():m.end()]
        if i == 4:
            year = _year(m.group(1) or m.group(2))
            return {"fiscal_year": year, "label": label}
        year, quarter = (m.group(2), m.group(1)) if i == 1 else (m.group(1), m.group(2))
        return {"fiscal_year": _year(year), "quarter": _n(quarter), "label": label}
    found = find_bare_quarter(text, reading.today)
    if found:
        taken.append(found[1])
        return found[0]
    for table, relative in ((_THIS, "this"), (_LAST, "last"), (_NEXT, "next")):
        for phrase, grain in sorted(table.items(), key=lambda p: -len(p[0])):
            span = _find(text, phrase, taken)
            if span and not (phrase == "去年" and "去年同期" in text):
                taken.append(span)
                return {"relative": relative, "grain": grain, "label": phrase}
    m = _YEAR.search(text)
    if m:
        taken.append(m.span())
        return {"fiscal_year": int(m.group(1) or m.group(2)), "label": reading.text[m.start():m.end()]}
    for found in reading.periods:
        if not any(found.start < e and s < found.end for s, e in taken):
            taken.append((found.start, found.end))
            return {k: v for k, v in found.value.items() if k in ("start", "end", "label")}
    m = _BARE_YEAR.search(text)
    if m:
        taken.append(m.span())
        return {"fiscal_year": int(m.group(1)), "label": m.group(0)}
    return None


_YEAR_SAID = re.compile(r"\b(?:20\d{2}|fy\s*\d{2,4}|(?:last|this|next|previous|prior) (?:fiscal )?year|year)\b|"
                        r"20\d{2}|[今去前明]年|财年|本年|上一年", re.I)


def _in_year_said(second: dict, first: dict, second_said: str, first_said: str) -> dict:
    """A period said without a year beside one said with it ("the second half of last year compared with the first
    half", "去年三季度和二季度比") is in that year, as people mean it; a relative one ("last month") stays."""
    if "relative" in second or _YEAR_SAID.search(second_said) or not _YEAR_SAID.search(first_said):
        return second
    year = first.get("fiscal_year") or (int(first["start"][:4]) if "start" in first else None)
    own = second.get("fiscal_year") or (int(second["start"][:4]) if "start" in second else None)
    if not year or not own or year == own:
        return second
    out = dict(second)
    if "fiscal_year" in out:
        out["fiscal_year"] = year
    for key in ("start", "end"):
        if key in out:
            out[key] = str(int(out[key][:4]) + year - own) + out[key][4:]
    if "label" in out:
        out["label"] = out["label"].replace(str(own), str(year))
    return out


def _with_days(period: dict, today) -> dict:
    """The period as asked (relative or fiscal, which comparisons step back by) plus the days it covers."""
    if "start" in period:
        return period
    resolved = resolve(period, today)
    return {**period, "start": resolved.start.isoformat(), "end": resolved.end.isoformat()}


def _year(word: str) -> int:
    year = int(word)
    return year + 2000 if year < 100 else year


def _comparison(text: str, taken: list) -> str | None:
    m = _SAME_LAST_YEAR.search(text)
    if m:
        taken.append(m.span())
        return "same_period_last_year"
    m = _PREVIOUS.search(text)
    if m:
        taken.append(m.span())
        return "previous_period"
    return None


def _ranking(text: str, taken: list) -> tuple[str | None, int | None]:
    m = _TOP.search(text)
    if m:
        number = next((g for g in m.groups() if g), None)
        return "desc", _n(number, 0) or None
    m = _BOTTOM.search(text)
    if m:
        number = next((g for g in m.groups() if g), None)
        return "asc", _n(number, 0) or None
    if _MOST.search(text):
        return "desc", None
    return None, None


_JUDGEMENT = re.compile(r"\b(?:best|worst|strongest|weakest|poorest|healthiest)\b|最好|最差|最强|最弱|最糟", re.I)


def _judged(text: str, order: str | None, metrics: list[str]) -> str | None:
    """ "worst first" of late payments is the most of them: best and worst follow which way a metric is better (its
    `better` in the catalogue); "highest", "fewest", "top" and "bottom" are said literally."""
    catalog = default_catalog().metrics
    m = _JUDGEMENT.search(text)
    if not order or not m or not metrics or not all(n in catalog and catalog[n].better == "lower" for n in metrics):
        return order
    if _TOP.search(text) or re.search(r"\bbottom\b|倒数", text, re.I):
        return order
    return "asc" if order == "desc" else "desc"


_SLOW = re.compile(r"\b(?:slowest|slower|longest|longer)\b|最慢|最长|更慢|更长", re.I)
_FAST = re.compile(r"\b(?:fastest|faster|quickest|quicker|shortest|shorter)\b|最快|最短|更快|更短", re.I)


def _by_speed(text: str, metrics: list[str]) -> str | None:
    """ "who's slowest to close", "谁的成交周期最长": for a metric in days, slow is many days, fast few."""
    catalog = default_catalog().metrics
    if not metrics or not all(m in catalog and catalog[m].unit == "days" for m in metrics):
        return None
    return "desc" if _SLOW.search(text) else "asc" if _FAST.search(text) else None


@lru_cache(maxsize=1)
def _threshold_verbs() -> tuple[re.Pattern, dict[str, str]]:
    """ "至少赢了3单", "won at least 5 deals": a bound said with a verb (words in metric_terms.yaml)."""
    data = read_yaml(Path(__file__).with_name("metric_terms.yaml"))["threshold_verbs"]
    verbs = {**data["zh"], **data["en"]}
    zh = "|".join(sorted(map(re.escape, data["zh"]), key=len, reverse=True))
    en = "|".join(sorted(map(re.escape, data["en"]), key=len, reverse=True))
    pattern = re.compile(rf"(?:至少|不少于|超过|多于|大于)\s*({zh})了?\s*{_NUM}\s*(?:个|单|笔|次|件)|"
                         rf"\b({en})\s+(at least|no fewer than|more than|over)\s+{_NUM}\s+(?:deals?|opportunities|"
                         rf"meetings|activities|times)\b", re.I)
    return pattern, verbs


_PERCENT_BOUND = re.compile(r"(?:\b(under|below|less than|lower than|above|over|more than|higher than|greater than|"
                            r"at least|at most)\s+|(低于|高于|超过|不低于|不高于|不到|不足|大于|小于|至少|达到|在))\s*"
                            r"(\d+(?:\.\d+)?)\s*(?:%|％|percent\b|个百分点)(?:\s*(?:以上|以下))?", re.I)
_BOUND_OP = {"under": "<", "below": "<", "less than": "<", "lower than": "<", "above": ">", "over": ">",
             "more than": ">", "higher than": ">", "greater than": ">", "at least": ">=", "at most": "<=", "低于": "<",
             "不到": "<", "不足": "<", "小于": "<", "高于": ">", "超过": ">", "大于": ">", "不低于": ">=", "至少": ">=", "达到": ">=",
             "不高于": "<="}


def _percent_bound(text: str, taken: list) -> list[dict]:
    """ "units with a win rate under 40%", "毛利率低于25%的销售": a bound on a rate, said after it."""
    m = _PERCENT_BOUND.search(text)
    if not m:
        return []
    said = [x for x in find_mentions(text[:m.start()], tuple(_vocab()[0]))
            if default_catalog().metrics[x.key].unit == "ratio"]
    if not said:
        return []
    word = (m.group(1) or m.group(2)).lower()
    op = _BOUND_OP.get(word) or (">=" if m.group(0).rstrip().endswith("以上") else "<=" if m.group(0).rstrip().endswith(
        "以下") else None)
    if op is None:
        return []
    last = max(said, key=lambda x: x.start)
    taken.append((m.start(), m.end()))  # the rate's own words stay: it is also what is shown
    return [{"metric": last.key, "op": op, "value": float(m.group(3)) / 100}]


# Nothing done: "hasn't logged anything", "logged no activities", "held no meetings", "一条活动都没记", "一单都没赢",
# "没有任何跟进": the groups whose count of that is 0. What is counted: the records named in the words (活动, meetings),
# else the verb's (metric_terms.yaml threshold_verbs; "logged", 记, 跟进: activities).
_NOT_A_NOUN = r"(?!(?:this|last|next|in|on|for|since|during|so|yet|today|at|the|to|with)\b)"
_ZERO = re.compile(r"\b(?:has\s*n[o']t|have\s*n[o']t|had\s*n[o']t|did\s*n[o']t|does\s*n[o']t|do\s*n[o']t|never)\s+"
                   rf"(?:yet\s+)?([a-z]+)\s+(?:any(?:thing)?|a single|one|an?)\b(?:\s+{_NOT_A_NOUN}([a-z]+))?|"
                   rf"\b([a-z]+)\s+(?:no|zero)\s+{_NOT_A_NOUN}([a-z]+)|"
                   r"(?:一|1)\s*(?:条|个|次|单|笔|件)\s*([\u4e00-\u9fff]{0,4}?)\s*(?:都|也)(?:没有?|未)\s*([\u4e00-\u9fff]{0,2})|"
                   r"(?:没有?|未|零)\s*(?:任何|过)?\s*(?:记录?|录|写|做|登记|打|开|发|约)?过?\s*(?:任何)?\s*(活动|跟进|拜访|电话|会议|邮件)", re.I)
_ZERO_DEFAULT = {"log": "activities", "logged": "activities", "记": "activities", "录": "activities", "写": "activities",
                 "record": "activities", "recorded": "activities", "done": "activities", "do": "activities"}


def _zero_bound(text: str, taken: list) -> list[dict]:
    m = _ZERO.search(text)
    if not m:
        return []
    words = " ".join(g for g in m.groups() if g)
    named = [x for x in find_mentions(words, tuple(_vocab()[0]))]
    _pattern, verbs = _threshold_verbs()
    verb = next((g.strip().lower() for g in (m.group(1), m.group(3), m.group(6)) if g), "")
    channel = any(dim == "channel" and phrase in words for phrase, dim, _key in _vocab()[2])  # "no calls", "一个电话"
    metric = named[0].key if named else verbs.get(verb) or _ZERO_DEFAULT.get(verb) or (
        "activities" if channel or re.search(r"activit|活动|跟进", words) else None)
    if metric is None:
        return []
    noun = next((i for i in (2, 4, 5, 7) if m.group(i)), None) if channel and not named else None
    if noun is None:  # a channel named stays to be read as the filter ("no calls", "一个电话都没打")
        taken.append(m.span())
    else:
        taken.extend(span for span in ((m.start(), m.start(noun)), (m.end(noun), m.end())) if span[0] < span[1])
    return [{"metric": metric, "op": "=", "value": 0.0}]


def _threshold(text: str, taken: list) -> list[dict]:
    nothing = _zero_bound(text, taken)
    if nothing:
        return nothing
    percent = _percent_bound(text, taken)
    if percent:
        return percent
    money = _money_bound(text, taken)
    if money:
        return money
    pattern, verbs = _threshold_verbs()
    said = pattern.search(text)
    if said:
        verb, number = (said.group(1), said.group(2)) if said.group(1) else (said.group(3).lower(), said.group(5))
        strict = re.search(r"超过|多于|大于|more than|over", said.group(0))
        taken.append(said.span())
        return [{"metric": verbs[verb], "op": ">" if strict else ">=", "value": float(_n(number))}]
    m = _THRESHOLD.search(text)
    before = _THRESHOLD_BEFORE.search(text)
    if before and (not m or not m.group(4) or not any(p in m.group(4) for p, _n in _vocab()[0])):
        said = find_mentions(before.group(1), tuple(_vocab()[0]))
        if said:
            last = max(said, key=lambda x: x.start)
            taken.append((before.start(1) + last.start, before.end()))
            return [{"metric": last.key, "op": _bound_op(before.group(0)), "value": float(_n(before.group(2)))}]
    if not m:
        return []
    number, words = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    words_at = m.start(2) if m.group(1) else m.start(4)
    words = words or ""
    hit = next(((phrase, name) for phrase, name in _vocab()[0] if phrase and phrase in words), None)
    if hit is None and re.search(r"deal|单|商机", words or "deal"):
        hit = next(((w, "closed_deals") for w in ("deals", "deal", "商机", "单") if w in words), ("", "closed_deals"))
    if hit is None:
        return []
    phrase, metric = hit
    end = words_at + words.find(phrase) + len(phrase) if phrase else m.end()
    taken.append((m.start(), end))  # only up to the metric's words: "... closed deals this year" keeps the year
    return [{"metric": metric, "op": _bound_op(text[m.start():m.end()]), "value": float(_n(number))}]


def second_said(taken: list, at: int) -> bool:
    """Whether two periods were read (the second's span after the first's)."""
    return len(taken) > at + 1


def _rates(text: str) -> bool:
    """Whether the sentence names a rate (a metric in percent: win rate, margin, conversion)."""
    catalog = default_catalog().metrics
    return any(catalog[m.key].unit == "ratio" for m in find_mentions(text, tuple(_vocab()[0])))


# A bound said in money ("reps who sold more than ¥800K", "营业额超过30万的产品", "30万以上"): a group's sum kept or left
# out; only with a currency sign, a scale (K, M, 万, 亿) or four digits or more, so "more than 5 deals" stays a count.
_MONEY_BOUND = re.compile(r"(?:\b(?:worth|valued(?:\s+at)?|sized)\s+)?\b(at least|no less than|more than|over|"
                          r"above|greater than|bigger than|higher than|under|below|less than|lower than|at most)\s+([¥$￥]\s*)?(\d[\d,]*(?:\.\d+)?)\s*"
                          r"(k|m|mn|million|thousand|b|bn|billion)?(?![\w.])|"
                          r"(?:(?:金额|价值|额度)\s*)?(至少|不少于|不低于|超过|大于|高于|多于|达到|少于|低于|小于|不到|不足|不满|不超过)"
                          r"\s*([¥￥$]\s*)?(\d+(?:\.\d+)?)\s*"
                          r"(千|万|亿|k|m)?\s*元?\s*(以上|以下)?(?:的(?=[\u4e00-\u9fff]))?|"
                          r"(?:(?:金额|价值|额度)\s*(?:在|为)?\s*)?(?<![\d.])(\d+(?:\.\d+)?)\s*(万|亿)\s*元?\s*(以上|以下)"
                          r"(?:的(?=[\u4e00-\u9fff]))?", re.I)
# A bound said right after the records' noun or right before it: "deals over 300K", "orders worth more than 1M",
# "单子里超过100万的", "50万以上的大单", "超过30万的商机": each record's amount.
_RECORDS_BEFORE = re.compile(r"\b(?:deals?|opportunit(?:y|ies)|orders?|payments?|invoices?|contracts?)\s+"
                             r"(?:(?:that\s+are|which\s+are|that\s+were|are|were|is)\s+)?$|"
                             r"(?:单子|商机|订单|合同|大单)(?:里|中|当中)?(?:金额)?\s*$", re.I)
_RECORDS_AFTER = re.compile(r"\s*的?\s*(?:大单子?|单子|商机|订单|合同|回款)")
_AMOUNTED_RECORDS = re.compile(r"\b(?:deals?|opportunit(?:y|ies)|orders?|payments?|invoices?)\b|单子|商机|订单|合同|回款", re.I)
_SCALE = {"k": 1e3, "thousand": 1e3, "千": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9,
          "billion": 1e9, "万": 1e4, "亿": 1e8}
_SOLD = re.compile(r"\b(?:sold|sell|sells|selling|sales|booked|book|bookings|won|win|closed|signed)\b|卖|签|成交|赢", re.I)


def _money_bound(text: str, taken: list) -> list[dict]:
    """A bound on a group's money figure: the money metric named (a count of records said beside it asks for their
    amount: "more than ¥300K of orders"), else the won value when the verb is one of selling ("sold", 卖, 签)."""
    for m in _MONEY_BOUND.finditer(text):
        g = m.groups()
        word, sign, number, scale, tail = (g[0], g[1], g[2], g[3], None) if g[2] else \
            (g[4], g[5], g[6], g[7], g[8]) if g[6] else (None, None, g[9], g[10], g[11])
        amount = float(number.replace(",", "")) * _SCALE.get((scale or "").lower(), 1)
        if not (sign or scale or amount >= 1000):
            continue
        catalog = default_catalog().metrics
        said = sorted(find_mentions(text, tuple(_vocab()[0])), key=lambda x: abs(x.start - m.start()))
        money = [catalog[x.key].name if catalog[x.key].unit == "money" else _money_of().get(x.key) for x in said]
        metric = next((x for x in money if x), None) or ("won_value" if _SOLD.search(text) else None)
        if metric is None and not _AMOUNTED_RECORDS.search(text):
            continue  # "more than 5000 calls": no money; "deals over 500K still open": the deals' own amount
        said_op = f"{word or ''}{tail or ''}".lower()
        op = ">=" if re.search(r"at least|no less|不少于|不低于|至少|达到|以上", said_op) else \
            "<=" if re.search(r"at most|不超过|以下", said_op) else \
            "<" if re.search(r"under|below|less|lower|少于|低于|小于|不到|不足|不满", said_op) else ">"
        taken.append(m.span())
        records = bool(_RECORDS_BEFORE.search(text[:m.start()]) or _RECORDS_AFTER.match(text[m.end():]))
        return [{"metric": metric, "op": op, "value": amount, "money": True, "records": records}]
    return []


# "what share of our pipeline is in negotiation", "制造业客户占成交额的比例", "零售行业的成交额占比": the part a filter keeps
_SHARE_OF = re.compile(r"\b(?:share|percentage|proportion|fraction|percent|part)\s+of\b|\bhow much of\b|"
                       r"占比|所占|占.{0,12}?(?:比例|比重|百分之|多少|几成)|百分之多少|比重|几成", re.I)
_PART_ORDER = ("stage", "industry", "product", "channel", "case_kind", "case_category", "priority", "account", "city",
               "rep", "unit", "region")


def _share_of(text: str, metrics: list[str], filters: dict, group_by: list[str]) -> str | None:
    """The filtered dimension whose share of the whole is asked, or None: a sum or count, not broken down."""
    catalog = default_catalog().metrics
    if group_by or not metrics or not _SHARE_OF.search(text) or metrics[0] not in catalog or \
            not catalog[metrics[0]].additive:
        return None
    parts = [d for d in _PART_ORDER if filters.get(d) and "mine" not in filters[d]]
    return parts[0] if parts else None


_STOP = re.compile(r"\b(?:what|what's|whats|is|are|was|were|the|our|my|show|me|give|tell|how|much|many|did|do|does|"
                   r"we|by|per|for|of|in|on|a|an|please|this|that|last|next|year|quarter|month|week|and|to|with)\b|"
                   r"[?？。.!！,，]|多少|是|的|我们|显示|给我|看看|一下|请|吗|呢", re.I)


def _leftover(text: str, taken: list) -> str:
    kept = "".join(ch if not any(s <= i < e for s, e in taken) else " " for i, ch in enumerate(text))
    return re.sub(r"\s+", " ", _STOP.sub(" ", kept)).strip()


def _earlier_arguments(history: list[Turn]) -> tuple | None:
    """The arguments of the conversation's last metric query as said (JSON text or a dict), in a 1-tuple; None when
    the conversation has none."""
    for turn in reversed(history):
        for call in turn.tool_calls or ():
            if call.get("name") == TOOL:
                return (call.get("arguments"),)
    return None


def _parsed(said: tuple | None) -> dict | None:
    if said is None:
        return None
    args = said[0]
    return json.loads(args) if isinstance(args, str) else dict(args or {})


def _this_period_said(period: dict, text: str) -> str:
    """The words for a scorecard's default period ("this quarter", "本季度") in the question's language."""
    lang = language_of(text)
    return next((words for words, grain in _THIS.items() if grain == period.get("grain") and language_of(words) == lang
                 and words.startswith(("this", "本"))), period.get("grain", ""))
