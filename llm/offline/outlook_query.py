"""Reading requests about what lies ahead or stands out: a revenue forecast, deals at risk, unusual months of a
metric. Each tool is chosen only when its own cue is in the sentence ("forecast", "at risk", "unusually many";
"预测", "风险", "异常"), so plain metric questions stay with `query_metrics`; its arguments are read here."""
from __future__ import annotations

import re

from llm.offline import metric_query
from llm.offline.arguments import Filled, Filling
from llm.offline.context import deal_by_ordinal
from llm.offline.messages import Turn
from llm.offline.numbers import parse_number
from llm.offline.reading import Reading
from llm.offline.schema import ToolView
from llm.offline.text import language_of

FORECAST, RISK, ANOMALIES = "forecast_revenue", "deals_at_risk", "metric_anomalies"
TOOLS = (FORECAST, RISK, ANOMALIES)
CUE_BONUS, NO_CUE = 0.05, -0.2  # on the similarity score: without its cue a tool is out of the running
_NUM = r"(\d+|[一二两三四五六七八九十]+|one|two|three|four|five|six|seven|eight|nine|ten|twenty)"
CUES = {
    FORECAST: re.compile(r"\bforecast|\bprojecti(?:on|ons)\b|\bprojected\b|\boutlook\b|\bon track to\b|"
                         r"\bhow much (?:revenue |money |sales )?(?:do|will|are|should) we\b.{0,20}\b(?:expect|book|close|land|"
                         r"bring in|make)\b|\bwhat (?:will|do) we (?:expect to )?(?:book|land|bring in)\b|"
                         r"预测|预估|展望|能收入多少|预计(?:能|会)?(?:收入|入账|完成)", re.I),
    # "丢单" alone is a deal lost (上个月丢单最多的销售): only its risk (丢单风险) or its chance (可能丢, 要丢) is an outlook
    RISK: re.compile(r"\bat[- ]risk\b|\brisk(?:y|iest|s)?\b|\bin trouble\b|\b(?:might|could|may|likely to) "
                     r"(?:lose|slip)\b|\bgoing cold\b|\bstalled\b|\bslipping\b|风险|危险|可能.{0,3}丢|要丢|"
                     r"重点关注|要黄|停滞", re.I),
    ANOMALIES: re.compile(r"\bunusual(?:ly)?\b|\banomal|\babnormal|\boutliers?\b|\bspikes?\b|\bspiked\b|\bjump(?:ed|s)?\b|"
                          r"\bsurge[ds]?\b|\bout of the ordinary\b|\bstand(?:s)? out\b|\bstood out\b|\bodd\b|"
                          r"异常|不正常|反常|突增|激增|暴增|突然(?:增|多|变多|上升)|飙升|离群|特别多|格外多", re.I),
}
# Building a model is not asking for the forecast Tessera makes ("build me a forecast model with seasonality").
_BUILD = re.compile(r"\b(?:build|train|create|make|develop|design)\b.{0,40}\bmodel\b|建模|建立.{0,10}模型|模型", re.I)
_NEXT = re.compile(r"\bnext quarter\b|\bcoming quarter\b|\bfollowing quarter\b|\band (?:the )?next\b|下个?季度|下一季度|"
                   r"下季", re.I)
_THIS = re.compile(r"\bthis quarter\b|\bcurrent quarter\b|\bend of the quarter\b|本季度|这个季度|本季|当季", re.I)
# "my deals", "which of mine": the asker's own; "which of my team's deals" is the team's (the asker's scope)
_MINE = re.compile(r"\bmy (?:own )?(?:deals|opportunities|pipeline)\b|"
                   r"\bof my\b(?!\s+(?:\w+\s+)?(?:team|teams|team's|unit|units|region|group|department|org|reps|people)\b)|\bmine\b|我的(?:商机|单子|客户)|我自己的|"
                   r"我(?:手上|手里)", re.I)
_LIMIT = re.compile(rf"\btop\s*{_NUM}\b|\b{_NUM}\s+(?:riskiest|most at risk|deals|open deals)|"
                    rf"前\s*{_NUM}\s*(?:个|名|位)?|{_NUM}\s*个(?:商机|单子)", re.I)
_QUIET = re.compile(rf"{_NUM}\s*(?:days?|天)", re.I)
_HIGH = re.compile(r"\bmany\b|\bmore\b|\bhigh\b|\bhigher\b|\bspikes?\b|\bspiked\b|\bjump|\bsurge|\bup\b|"
                   r"多|高|增|飙升|上升", re.I)
_LOW = re.compile(r"\bfew\b|\bfewer\b|\blow\b|\blower\b|\bdrops?\b|\bdropped\b|\bdip\b|\bfell\b|\bdown\b|少|低|降|下滑", re.I)


_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def _periods(n: int, asked: str, grain: str) -> int | None:
    """"past two years" by month is 24 months; weeks are counted only in weeks."""
    if asked == grain:
        return n
    if asked in _MONTHS and grain in _MONTHS and (n * _MONTHS[asked]) % _MONTHS[grain] == 0:
        return n * _MONTHS[asked] // _MONTHS[grain]
    return None


# The forecast is of our revenue, quarter by quarter: a forecast of something else ("the stock market", "the weather")
# or of a whole year ahead is not it.
_OURS = re.compile(r"\b(?:revenue|sales|bookings?|book|booked|pipeline|deals?|quarters?|close|closing|land|income|"
                   r"numbers|target|we|our|team|region|unit|won|wins)\b|收入|销售|业绩|营收|季度|成交|签单|赢单|我们|团队|区域",
                   re.I)
# What is left of this year ("for the rest of the year", "年底前", "今年剩下的时间"): the quarters until 31 December
_REST_OF_YEAR = re.compile(r"\b(?:rest|remainder|balance) of (?:the |this )?year\b|\b(?:by|until|till|through) (?:the )?"
                           r"(?:end of (?:the |this )?year|year[- ]end)\b|年底(?:前|之前|为止)?|年末|今年(?:剩下|剩余|余下)", re.I)
_YEAR_AHEAD = re.compile(r"\bnext year\b|\b(?:in|for) 20\d\d\b|明年|20\d\d年", re.I)
_QUARTER = re.compile(r"\bquarters?\b|\bQ[1-4]\b|季度|季", re.I)


# "the weighted forecast of my open pipeline", "加权预测": the stage-weighted pipeline, a metric, named with the word
_WEIGHTED = re.compile(r"\b(?:probability[- ]|stage[- ]|risk[- ])?weighted\s+(?:sales\s+|pipeline\s+)?forecast\b|加权预测", re.I)


def cue(tool: str, text: str) -> bool:
    """Whether the sentence asks for what this tool does in its own words."""
    if tool == FORECAST:
        text = _WEIGHTED.sub(" ", text)
    if tool == FORECAST and (_BUILD.search(text) or not _OURS.search(text)
                             or (_YEAR_AHEAD.search(text) and not _QUARTER.search(text))):
        return False
    return bool(CUES[tool].search(text))


def forecast_asked(text: str, query: dict, today) -> bool:
    """Whether a forecast of what is still to come is asked ("forecast won value for the rest of the year", "预测下季度
    的收入"): the forecast's cue, and no period asked that has already ended."""
    if not cue(FORECAST, text):
        return False
    end = (query.get("period") or {}).get("end")
    return not (isinstance(end, str) and end < today.isoformat())


def unusual_periods(text: str, query: dict) -> bool:
    """Whether unusual weeks, months or quarters of a metric are asked for ("any unusual months for lost deals?",
    "哪个月的回款不正常"): an anomaly's words and the metric read by period."""
    by_time = any(g in ("week", "month", "quarter") for g in query.get("group_by") or ())
    return by_time and bool(query.get("metrics")) and cue(ANOMALIES, text)


def fit_bonus(tool: str, text: str) -> float:
    return CUE_BONUS if cue(tool, text) else NO_CUE


def cued(text: str) -> bool:
    """Whether any outlook tool's cue is in the sentence (then a metric named in it is what to look at, not the
    question)."""
    return any(cue(t, text) for t in TOOLS)


_DEAL_ID = re.compile(r"\bD-?(\d{3,})\b", re.I)


def fill(view: ToolView, reading: Reading, history: list[Turn] = ()) -> Filling:
    out = Filling()
    text = reading.text

    def put(name: str, value, surface: str, how: str) -> None:
        out.args[name] = value
        out.filled.append(Filled(name, value, surface, how))

    if view.name == FORECAST:
        nxt, this = _NEXT.search(text), _THIS.search(text)
        rest = _REST_OF_YEAR.search(text)
        if rest and not nxt and not this:  # in the year's last quarter that is this quarter; else this and the next
            if (reading.today.month - 1) // 3 == 3:
                put("quarters", "this", rest.group(0), "enum")
        elif nxt and not this:
            put("quarters", "next", nxt.group(0), "enum")
        elif this and not nxt:
            put("quarters", "this", this.group(0), "enum")
    elif view.name == RISK:
        m = _LIMIT.search(text)
        number = next((g for g in m.groups() if g), None) if m else None
        if number and parse_number(number):
            put("limit", max(1, min(50, int(parse_number(number)))), m.group(0), "integer")
        q = _QUIET.search(text)
        if q and parse_number(q.group(1)):
            put("quiet_days", max(1, min(365, int(parse_number(q.group(1))))), q.group(0), "integer")
        mine = _MINE.search(text)
        if mine:
            put("mine", True, mine.group(0), "enum")
        # one deal asked about: "why is D-1680 at risk?", or "why is the first one at risk?" after a list of deals
        typed = _DEAL_ID.search(text)
        pointed = None if typed else deal_by_ordinal(text, list(history))
        if (typed or pointed) and any(p.name == "deal" for p in view.params):
            put("deal", f"D-{typed.group(1)}" if typed else pointed, typed.group(0) if typed else "the earlier results",
                "id" if typed else "context")
    elif view.name == ANOMALIES:
        query = metric_query.fill(None, reading, []).args
        named = [m for m in query.get("metrics") or [] if m in metric_query.default_catalog().metrics]
        if named:
            put("metric", named[0], named[0], "enum")
        else:
            out.missing.extend(p for p in view.params if p.name == "metric")
        grain = next((g for g in query.get("group_by") or () if g in ("week", "month", "quarter")), None)
        period = query.get("period") or {}
        if period.get("relative") == "past" and period.get("grain") in ("week", "month", "quarter", "year"):
            grain = grain or (period["grain"] if period["grain"] != "year" else "month")
            n = _periods(int(period.get("n") or 1), period["grain"], grain)
            if n and n >= 6:
                put("periods", min(n, 120), period.get("label", ""), "integer")
        if grain and grain != "month":
            put("grain", grain, grain, "enum")
        high, low = _HIGH.search(text), _LOW.search(text)
        if high and not low:
            put("direction", "high", high.group(0), "enum")
        elif low and not high:
            put("direction", "low", low.group(0), "enum")
    out.args["language"] = language_of(text)
    return out
