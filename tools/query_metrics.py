"""Tool: any governed metric by any dimension over any period, with comparisons, rankings and thresholds."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from crm.metrics import MetricQuery, UnknownMetric, caller_of, default_catalog, run_query
from crm.metrics.answer import WORDS, scope_said, sentence, table
from crm.metrics.chart import chart_spec
from crm.actor import CannotAnswer
from tools.base import ToolContext, ToolSpec

CATALOG = default_catalog()
# a breakdown of at most this many rows, with no "top N" asked, is listed whole: 12 industries, a region's reps, and the
# company's 36 reps for an admin ("won value by rep this year" asks for every rep); longer ones (55 accounts) show the
# first rows and say how many more
WHOLE_BREAKDOWN = 40
Dimension = Literal[tuple(CATALOG.dimensions)]  # type: ignore[valid-type]


class PeriodArg(BaseModel):
    """Absolute (start/end), relative (relative + grain + n) or fiscal (fiscal_year + quarter or month)."""

    start: dt.date | None = None
    end: dt.date | None = None
    label: str | None = None
    relative: Literal["this", "last", "past", "to_date", "next"] | None = None
    grain: Literal["day", "week", "month", "quarter", "year"] | None = None
    n: int | None = Field(None, ge=1, le=120)
    fiscal_year: int | None = None
    quarter: int | None = Field(None, ge=1, le=4)
    month: int | None = Field(None, ge=1, le=12)


class ThresholdArg(BaseModel):
    metric: str = Field(description="a metric name, e.g. closed_deals")
    op: Literal[">=", ">", "<=", "<", "="] = ">="
    value: float


class AmountBoundArg(BaseModel):
    op: Literal[">=", ">", "<=", "<", "="] = ">="
    value: float


class QueryMetricsArgs(BaseModel):
    metrics: list[str] = Field(min_length=1, max_length=4, description="metric names: " + ", ".join(CATALOG.metrics))
    group_by: list[Dimension] = Field(default_factory=list, max_length=2, description="dimensions to break down by")
    filters: dict[Dimension, list[str]] = Field(
        default_factory=dict, description="dimension -> values (codes or names; 'mine' = the asker's own region/unit/self)")
    period: PeriodArg | None = Field(None, description="the period; none means all time")
    compare_to: Literal["previous_period", "same_period_last_year"] | None = None
    order: Literal["desc", "asc"] | None = Field(None, description="rank groups by the first metric")
    limit: int | None = Field(None, ge=1, le=100)
    having: list[ThresholdArg] = Field(default_factory=list, description="keep groups meeting these thresholds")
    amount: list[AmountBoundArg] = Field(default_factory=list, description="count or sum only the records (deals, "
                                         "orders, payments) whose own amount meets these bounds, e.g. deals over 500K")
    count_groups: bool = Field(False, description="answer how many groups there are (with `having`: how many meet "
                                                   "it, e.g. how many reps won at least 3 deals)")
    share_of: Dimension | None = Field(None, description="a filtered dimension: answer the share of the whole that its "
                                                         "filter keeps (what share of the pipeline is in negotiation)")
    snapshot: bool | None = Field(None, description="pipeline, weighted pipeline, open deals: true = as they stood at "
                                  "the end of the period (today while it runs; 'at the end of last quarter'); false = "
                                  "today's open deals by expected close; none = as they stood for a period already over "
                                  "or compared")
    chart: bool | None = Field(None, description="true: draw a chart; false: never; none: when it helps")
    explain: bool = Field(False, description="show how the numbers were computed (definition, filters, SQL)")
    language: Literal["en", "zh"] | None = Field(None, description="the language of the question; default the user's")


def run(ctx: ToolContext, args: QueryMetricsArgs) -> dict:
    lang = args.language or (ctx.actor.language if ctx.actor.language in ("en", "zh") else "en")
    data = args.model_dump(exclude={"chart", "explain", "language"})
    if data["period"]:
        data["period"] = {k: v for k, v in data["period"].items() if v is not None}
    if args.group_by and not args.order and not CATALOG.dimensions[args.group_by[0]].time:
        data["order"] = "desc"  # a breakdown reads best ranked
    try:
        query = MetricQuery.of(data)
    except UnknownMetric as exc:
        raise CannotAnswer(_cannot(str(exc), lang)) from exc
    with ctx.store.session() as s:
        try:
            result = run_query(s, query, caller_of(s, ctx.actor), as_of=ctx.today, now=ctx.clock())
        except UnknownMetric as exc:
            raise CannotAnswer(_cannot(str(exc), lang)) from exc
    how = result.explain(lang)
    out = {"about": sentence(result, lang) + _left_out(result, lang), "items": table(result, lang),
           "total": len(result.rows), "how": how}
    if result.group_by and result.group_by[0].time:
        out["series"] = True  # a trend: every period is shown, not the first ten
    elif result.group_by and not args.limit and len(result.rows) <= WHOLE_BREAKDOWN:
        out["series"] = True  # "revenue by vertical", "各位销售的客单价": a short breakdown asked whole is shown whole
    chart = chart_spec(result, lang, wanted=args.chart)
    if chart:
        out["chart"] = chart
    if args.explain:
        out["computed"] = _how_lines(how, lang)
    return out


def _left_out(result, lang: str) -> str:
    """What the question named beyond the asker's scope, said after the answer rather than silently dropped."""
    if not result.outside:
        return ""
    names = [zh if lang == "zh" else en for en, zh in result.outside]
    return WORDS.get(lang, WORDS["en"])["outside_scope"].format(names=("、" if lang == "zh" else ", ").join(names),
                                                                scope=scope_said(result.scope, lang))


def _cannot(message: str, lang: str) -> str:
    asked = message.split("'")[1] if "'" in message else "?"
    known = ", ".join(m.name_in(lang) for m in CATALOG.metrics.values())
    if lang == "zh":
        return f"我做不到：没有名为“{asked}”的指标。我能计算的指标有：{known}。"
    return f"I can't do that: there is no metric '{asked}'. The metrics I can compute are: {known}."


def _how_lines(how: dict, lang: str) -> str:
    """How the numbers were computed, in the asker's language (crm/metrics/answer.py WORDS): each metric's
    definition under its name, the period, scope and filters, then the SQL as run."""
    w = WORDS.get(lang, WORDS["en"])
    period = w["how_all_time"] if isinstance(how["period"], str) else f"{how['period']['start']}..{how['period']['end']}"
    lines = [f"{CATALOG.metrics[name].name_in(lang) if name in CATALOG.metrics else name}: {text}"
             for name, text in how["definitions"].items()]
    lines.append(w["how"].format(period=period, scope=scope_said(how["scope"], lang), filters=how["filters"] or w["how_no_filters"]))
    if how["left_out_for_consent"]:
        lines.append(w["how_left_out"].format(n=how["left_out_for_consent"]))
    lines.append(w["how_sql"].format(dialect=how["dialect"]))
    lines.extend(how["sql"])
    return "\n".join(lines)


TOOL = ToolSpec(
    name="query_metrics",
    summary="Compute governed sales and service metrics (won value, revenue, pipeline, win rate, deal size, margin, "
            "discount, sales cycle, slipped deals, orders, late payments, DSO, new accounts, activities, cases, "
            "complaints, budgets, escalations) by region, unit, rep, product, industry, account, stage, case "
            "category, channel or week/month/quarter/year, over any period, compared with the previous period or "
            "last year, ranked, with thresholds.",
    args=QueryMetricsArgs,
    run=run,
    examples=[
        "average margin of won deals by unit",
        "win-rate trend over the last four quarters",
        "which unit won the most this year",
        "top 5 reps by won value last quarter",
        "pipeline by stage",
        "how many complaints per month over the past six months",
        "revenue by region compared with the same period last year",
        "reps with at least 5 closed deals ranked by win rate",
        "days sales outstanding by region",
        "how many deals slipped past their expected close",
        "各单元赢单的平均毛利率",
        "近六周每周的新增商机",
        "今年哪个部门的赢单金额最高",
        "上季度赢单金额前五的销售",
        "各区域的回款天数",
        "按月看过去五个月的投诉数量",
        "FY2025 Q3 各行业的订单收入",
        "和去年同期相比各区域的赢单率",
        "what does the pipeline look like",
        "pipeline in the north region",
        "how much is in the funnel closing this quarter",
        "win rate by region",
        "what was our win rate last quarter",
        "win rate per rep this year",
        "现在的销售漏斗怎么样",
        "华北区的管道情况",
        "本季度预计成交的商机金额",
        "各阶段的商机数量和金额",
        "各区域的赢单率",
        "上季度的成交率是多少",
        "哪个销售的赢率最高",
        "按单元看今年的赢单率",
        "gross profit on deals won last year",
        "how many deals did we lose last month",
        "average discount on the deals won this quarter",
        "customer satisfaction score by region",
        "各单元的客户满意度指数",
        "the total budget of my units",
        "预算总额是多少",
        "how is my team doing this quarter compared to last quarter",
        "how am I doing this month",
        "我们组这个季度表现怎么样",
    ],
)
