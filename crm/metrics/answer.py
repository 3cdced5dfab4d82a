"""Answers people read: one sentence that answers, then the table; numbers formatted as a manager says them."""
from __future__ import annotations

from crm.language import name_in
from crm.metrics.catalog import Dimension, Metric, default_catalog
from crm.metrics.engine import MetricResult

WORDS = {
    "en": {"most": "had the highest {metric}", "least": "had the lowest {metric}", "share": ", {share} of the total", "share_count": ", {share} of all {metric}",
           "none": "No {metric} {period}.", "total": "{metric} {period}: {value}", "all_time": "to date",
           "up": "up {pct} on {than}", "down": "down {pct} on {than}", "flat": "unchanged on {than}",
           "previous_period": "the period before", "same_period_last_year": "the same period last year",
           "was_previous_period": "previous {metric}", "was_same_period_last_year": "{metric} a year earlier",
           "change": "change", "change_of": "{metric} change", "share_column": "share",
           "trend": "{metric} {period}: {first} in {first_at}, {last} in {last_at}; highest {top} in {top_at}",
           "in": "in {label}", "days": " days", "overall": "; {value} overall", "also": "; {metric}: {value}",
           "how": "period: {period}; scope: {scope}; filters: {filters}", "how_all_time": "all time",
           "how_no_filters": "none", "how_left_out": "left out: rows about {n} people who refused analytics",
           "how_sql": "SQL ({dialect}):", "scope_all": "every unit", "scope_some": "units {units}", "list": ", ",
           "points": "{n} percentage points", "to_day": "{than} to {day}", "whole": "; all of {label}: {value}", "whole_column": "all of {label}",
           "so_far": "{label} so far", "share_of": "{part} made up {share} of {metric} {period} ({value} of {whole})",
           "outside_scope": " {names} is outside the figures you may read ({scope}), so it is not shown.",
           "as_of": "as of {day}", "as_of_end": "as of {day}, the end of {label}", "then": "{than}, as of {day}"},
    "zh": {"most": "的{metric}最高", "least": "的{metric}最低", "share": "，占总额的{share}", "share_count": "，占总数的{share}",
           "none": "{period}没有{metric}数据。", "total": "{period}{metric}：{value}", "all_time": "至今",
           "up": "较{than}增长{pct}", "down": "较{than}下降{pct}", "flat": "与{than}持平",
           "previous_period": "上一期", "same_period_last_year": "去年同期",
           "was_previous_period": "上期{metric}", "was_same_period_last_year": "去年同期{metric}",
           "change": "变化", "change_of": "{metric}变化", "share_column": "占比",
           "trend": "{period}{metric}：{first_at}为{first}，{last_at}为{last}；最高为{top_at}的{top}",
           "in": "{label}", "days": "天", "overall": "；整体为{value}", "also": "；{metric}：{value}",
           "how": "期间：{period}；范围：{scope}；筛选：{filters}", "how_all_time": "全部时间",
           "how_no_filters": "无", "how_left_out": "未计入：{n} 位拒绝分析用途的人的记录",
           "how_sql": "SQL（{dialect}）：", "scope_all": "全部事业部", "scope_some": "事业部 {units}", "list": "、",
           "points": "{n}个百分点", "to_day": "{than}（截至{day}）", "whole": "；{label}全期为{value}", "whole_column": "{label}全期",
           "so_far": "{label}至今", "share_of": "{period}{part}占{metric}的{share}（{value}，总计{whole}）",
           "outside_scope": "{names}不在您可以查看的范围内（{scope}），未列出。",
           "as_of": "截至{day}", "as_of_end": "截至{label}末（{day}）", "then": "{than}（截至{day}）"},
}


def scope_said(scope: str, lang: str) -> str:
    """The scope as crm/metrics/scope.py says it ("every unit", "units a, b") in the asker's language."""
    w = WORDS.get(lang, WORDS["en"])
    if scope == "every unit":
        return w["scope_all"]
    if scope.startswith("units "):
        return w["scope_some"].format(units=w["list"].join(scope[len("units "):].split(", ")))
    return scope


def fmt(value: float | int | None, unit: str, lang: str = "en") -> str:
    """¥4.2M / ¥420.5万, 31.2%, 82.8 days, 1,234."""
    if value is None:
        return "—"
    if unit == "money":
        if lang == "zh":
            if abs(value) >= 1e8:
                return f"¥{value / 1e8:.2f}亿"
            return f"¥{value / 1e4:,.1f}万" if abs(value) >= 1e4 else f"¥{value:,.0f}"
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if abs(value) >= size:
                return f"¥{value / size:.1f}{suffix}"
        return f"¥{value:,.0f}"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "days":
        return f"{value:.1f}{WORDS[lang]['days']}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def group_label(row: dict, dim: Dimension, lang: str) -> str:
    """A group's name in the asker's language: "East Enterprise / 华东大客户部" → one side; "east" → "华东"."""
    if row.get(dim.name) in dim.values:
        return dim.value_label(row[dim.name], lang)
    label = str(row.get(f"{dim.name}_label") or row.get(dim.name) or "—")
    return name_in(label, lang)


def sentence(result: MetricResult, lang: str = "en") -> str:
    """The answer in one sentence."""
    w = WORDS.get(lang, WORDS["en"])
    m = result.metrics[0]
    name = m.name_in(lang)
    period = _period_words(result, lang)
    counted = m.measure is not None and m.measure["agg"].startswith("count")
    if result.group_by and (result.query.count_groups or any(t.holds(0) for t in result.query.having)):
        return _counted(result, lang)  # "how many reps won at least 3 deals", "which reps logged nothing"
    named = ", ".join(result.named_in(lang)) if lang == "en" else "、".join(result.named_in(lang))
    nothing = (None, 0) if result.group_by else (None,)  # one figure of 0 ("budget used this year: ¥0") is an answer
    if not result.rows or all(r.get(m.name) in nothing for r in result.rows) and (result.group_by or not counted):
        said = (f"{name} for {named}" if lang == "en" else f"{named}的{name}") if named else name
        return w["none"].format(metric=said, period=period)  # a count of nothing is the answer 0 (below)
    if not result.group_by and "share" in result.rows[0]:  # "what share of our pipeline is in negotiation"
        row, whole = result.rows[0], result.whole.get(m.name)
        part = "、".join(result.named_in(lang)) if lang == "zh" else " and ".join(result.named_in(lang))
        text = w["share_of"].format(part=_cap(part, lang), share=fmt(row["share"], "ratio", lang), metric=name,
                                    period=period, value=fmt(row.get(m.name), m.unit, lang),
                                    whole=fmt(whole, m.unit, lang))
        return text + _end(lang)
    if not result.group_by:
        row = result.rows[0]
        said = f"{name} for {named}" if named and lang == "en" else name  # "Win rate for East Enterprise in 2026"
        text = w["total"].format(metric=_cap(said, lang), period=period, value=fmt(row.get(m.name), m.unit, lang))
        text = f"{named}，{text}" if named and lang == "zh" else text  # "华南，2026-10折扣深度：12.2%"
        text += _change(row, m, result, lang)
        for other in result.metrics[1:]:  # several metrics asked together: each one in the sentence
            text += w["also"].format(metric=other.name_in(lang), value=fmt(row.get(other.name), other.unit, lang))
            text += _change(row, other, result, lang)
        return text + _end(lang)
    dims = [d.name for d in result.group_by]
    if named:  # "South Retail's complaints by month": which rows, beside when
        period = f"{period}, {named}" if lang == "en" else f"{named}，{period}"
    if result.group_by[0].time and len(dims) == 1 and not result.query.order:  # "which month was weakest": ranked
        rows = [r for r in result.rows if r.get(m.name) is not None]
        top = max(rows, key=lambda r: r[m.name]) if m.better != "lower" else max(rows, key=lambda r: r[m.name])
        return w["trend"].format(metric=_cap(name, lang), period=period, first=fmt(rows[0][m.name], m.unit, lang),
                                 first_at=rows[0][dims[0]], last=fmt(rows[-1][m.name], m.unit, lang),
                                 last_at=rows[-1][dims[0]], top=fmt(top[m.name], m.unit, lang),
                                 top_at=top[dims[0]]) + _end(lang)
    lowest = result.query.order == "asc"
    ranked = [r for r in result.rows if r.get(m.name) is not None]
    top = ranked[0] if result.query.order else max(ranked, key=lambda r: r[m.name])
    who = " · ".join(group_label(top, d, lang) for d in result.group_by)
    lead = w["least" if lowest else "most"].format(metric=name)
    text = f"{who} {lead}: {fmt(top[m.name], m.unit, lang)}" if lang == "en" else f"{who}{lead}：{fmt(top[m.name], m.unit, lang)}"
    if "share" in top:  # of the total amount, or of the total number when the metric counts
        text += w["share" if m.unit == "money" else "share_count"].format(share=fmt(top["share"], "ratio", lang),
                                                                          metric=name)
    elif result.totals.get(m.name) is not None:
        text += w["overall"].format(value=fmt(result.totals[m.name], m.unit, lang))
    text += _change(top, m, result, lang)
    return text + (f" ({period})" if lang == "en" else f"（{period}）") + _end(lang)


_BOUND = {"en": {">=": "at least", ">": "over", "<=": "at most", "<": "under", "=": "of"},
          "zh": {">=": "不少于", ">": "超过", "<=": "不超过", "<": "少于", "=": "为"}}
SHOWN_NAMES = 8  # a count of groups names them when they are this few


def _counted(result: MetricResult, lang: str) -> str:
    """How many groups meet the bounds, and which: "12 reps with won deals at least 3 (in 2026): …", "2026-W48没有活动数的
    销售有 4 个：…"."""
    bounds = []
    for t in result.query.having:
        m = default_catalog().metric(t.metric)
        name = m.name_in(lang)
        if t.op == "=" and t.value == 0:  # "no activities", "没有活动" (a count's 数 dropped)
            bounds.append(f"no {name}" if lang == "en" else f"没有{name.removesuffix('数')}")
        elif lang == "zh":
            bounds.append(f"{name}{_BOUND['zh'][t.op]}{fmt(t.value, m.unit, lang)}")
        elif m.unit == "count":  # "at least 3 won deals"
            bounds.append(f"{_BOUND['en'][t.op]} {fmt(t.value, m.unit, lang)} {name}")
        else:  # "win rate over 40.0%"
            bounds.append(f"{name} {_BOUND['en'][t.op]} {fmt(t.value, m.unit, lang)}")
    if not bounds:  # "有几个销售在干活": the groups with any of it
        name = result.metrics[0].name_in(lang)
        bounds = [name if lang == "en" else f"有{name.removesuffix('数')}"]
    names = [" · ".join(group_label(r, d, lang) for d in result.group_by) for r in result.rows]
    listed = names if len(names) <= SHOWN_NAMES else []
    d, n, period = result.group_by[0], len(result.rows), _period_words(result, lang)
    if lang == "zh":
        text = f"{period}{'、'.join(bounds)}的{d.label.get('zh', d.name)}有 {n} 个"
        return text + ("：" + "、".join(listed) if listed else "") + "。"
    noun = d.label["en"] if n == 1 else _plural(d.label["en"])
    text = f"{n} {noun} with {' and '.join(bounds)} ({period})"
    return text + (": " + ", ".join(listed) if listed else "") + "."


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


def table(result: MetricResult, lang: str = "en") -> list[dict]:
    """Rows for a table: group names in the asker's language, numbers formatted, comparisons beside them."""
    w = WORDS.get(lang, WORDS["en"])
    out = []
    for r in result.rows:
        row = {}
        for d in result.group_by:
            row[d.label.get(lang, d.name)] = group_label(r, d, lang)
        for m in result.metrics:
            row[m.name_in(lang)] = fmt(r.get(m.name), m.unit, lang)
            if result.compared is not None and result.query.compare_to:
                was = w["was_" + result.query.compare_to].format(metric=m.name_in(lang))
                row[was] = fmt(r.get(f"{m.name}_previous"), m.unit, lang)
                change = r.get(f"{m.name}_change")
                said = w["change"] if len(result.metrics) == 1 else w["change_of"].format(metric=m.name_in(lang))
                row[said] = "—" if change is None else f"{change * 100:+.1f}" + (" pts" if m.unit == "ratio" else "%")
                if f"{m.name}_previous_whole" in r and result.compared_whole is not None:
                    row[w["whole_column"].format(label=_span(result.compared_whole))] = \
                        fmt(r.get(f"{m.name}_previous_whole"), m.unit, lang)
        if "share" in r:
            row[w["share_column"]] = fmt(r["share"], "ratio", lang)
        out.append(row)
    return out


def _span(period) -> str:
    """A period as a label: "2025-Q4", "2025", "2025-10", else its first and last day."""
    from crm.metrics.periods import _label

    if period.grain in ("month", "quarter", "year") and period.count == 1 and period.start.day == 1:
        return _label(period.start, period.grain)
    return f"{period.start.isoformat()}..{period.end.isoformat()}"


def _period_words(result: MetricResult, lang: str) -> str:
    if result.period is None:
        return WORDS[lang]["all_time"]
    if result.as_of_day is not None:  # pipeline as it stood then: "as of 2026-09-30, the end of 2026-Q3"
        if result.period_over and result.period.start < result.period.end:
            return WORDS[lang]["as_of_end"].format(day=result.as_of_day.isoformat(), label=_span(result.period))
        return WORDS[lang]["as_of"].format(day=result.as_of_day.isoformat())  # a day, or today in a running period
    if result.compared_whole is not None and ".." not in result.period.label:  # a period still running: "Q4 so far"
        label = _span(result.period)
        return WORDS[lang]["in"].format(label=WORDS[lang]["so_far"].format(label=label))
    p = result.period
    label = p.label if not p.label.startswith(("this ", "last ", "past ", "next ")) and ".." not in p.label \
        else f"{p.start.isoformat()}..{p.end.isoformat()}"
    if p.label.startswith(("this ", "last ", "past ", "next ")):
        label = p.label.split("(", 1)[-1].rstrip(")") if "(" in p.label else label
    return WORDS[lang]["in"].format(label=label)


def _change(row: dict, m: Metric, result: MetricResult, lang: str) -> str:
    if result.compared is None or result.query.compare_to is None:
        return ""
    w = WORDS[lang]
    change, was = row.get(f"{m.name}_change"), row.get(f"{m.name}_previous")
    than = w[result.query.compare_to]
    if change is None:
        return ""
    key = "flat" if abs(change) < 0.0005 else "up" if change > 0 else "down"
    by = w["points"].format(n=f"{abs(change) * 100:.1f}") if m.unit == "ratio" else f"{abs(change) * 100:.1f}%"
    whole = result.compared_whole
    if result.compared_as_of is not None:  # pipeline then: "on the same period last year, as of 2025-11-26"
        than, whole = w["then"].format(than=than, day=result.compared_as_of.isoformat()), None
    elif whole is not None and result.compared is not None:  # like for like, and the whole of last year's period
        than = w["to_day"].format(than=than, day=result.compared.end.isoformat())
    words = w[key].format(pct=by, than=than)
    also = w["whole"].format(label=_span(whole), value=fmt(row.get(f"{m.name}_previous_whole"), m.unit, lang)) \
        if whole is not None else ""
    if lang == "en":
        return f" ({words}, {fmt(was, m.unit, lang)}{also})"
    return f"（{words}，{w[result.query.compare_to]}为{fmt(was, m.unit, lang)}{also}）"


def _cap(text: str, lang: str) -> str:
    return text[:1].upper() + text[1:] if lang == "en" else text


def _end(lang: str) -> str:
    return "." if lang == "en" else "。"
