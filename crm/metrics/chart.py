"""A Vega-Lite spec when a chart says it better than a table: a trend is a line, a ranking a bar, a share (a
breakdown by two dimensions) a stacked bar. Pure data: channels render it (web: vega-embed, Slack/WeCom: PNG)."""
from __future__ import annotations

from crm.metrics.answer import group_label
from crm.metrics.engine import MetricResult

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
FORMATS = {"money": ",.0f", "ratio": ".1%", "days": ".1f", "count": ",.0f"}


def chart_spec(result: MetricResult, lang: str = "en", *, wanted: bool | None = None) -> dict | None:
    """The chart for a result, or None when a sentence or a small table says it better (`wanted` forces)."""
    if wanted is False or not result.group_by or not result.rows:
        return None
    m = result.metrics[0]
    dims = result.group_by
    title = m.name_in(lang)
    values = []
    for r in result.rows:
        if r.get(m.name) is None:
            continue
        values.append({**{d.name: group_label(r, d, lang) for d in dims}, "value": r[m.name]})
    if len(values) < 2 and not wanted:
        return None
    y = {"field": "value", "type": "quantitative", "title": title, "axis": {"format": FORMATS[m.unit]}}
    first = dims[0]
    if first.time:
        x = {"field": first.name, "type": "ordinal", "title": first.label.get(lang, first.name), "sort": None}
        enc = {"x": x, "y": y}
        if len(dims) > 1:
            enc["color"] = {"field": dims[1].name, "type": "nominal", "title": dims[1].label.get(lang, dims[1].name)}
        return _spec(title, values, {"type": "line", "point": True}, enc, "trend")
    if len(dims) > 1:  # one bar per group, split by the second dimension: a share of each bar
        enc = {"x": {"field": first.name, "type": "nominal", "title": first.label.get(lang, first.name), "sort": "-y"},
               "y": {**y, "stack": "zero"},
               "color": {"field": dims[1].name, "type": "nominal", "title": dims[1].label.get(lang, dims[1].name)}}
        return _spec(title, values, {"type": "bar"}, enc, "share")
    enc = {"y": {"field": first.name, "type": "nominal", "title": first.label.get(lang, first.name), "sort": "-x"},
           "x": {**y}}
    return _spec(title, values, {"type": "bar"}, enc, "ranking")


def _spec(title: str, values: list[dict], mark: dict, encoding: dict, kind: str) -> dict:
    return {"$schema": SCHEMA, "title": title, "description": kind, "width": 480, "height": 280,
            "data": {"values": values}, "mark": {**mark, "tooltip": True}, "encoding": encoding}
