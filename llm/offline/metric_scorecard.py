"""A manager asking how the team is doing without naming a metric ("how is my team doing this quarter?", "我们组这个季度
表现怎么样") is answered with the default scorecard (crm/metrics/scorecard.yaml); a metric question naming no metric
at all is asked back with a few numbered metrics by their names in the asker's language, never the internal ids."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from crm.data_files import read_yaml
from crm.metrics import default_catalog
from crm.metrics.scorecard import Scorecard, default_scorecard
from llm.offline.replies import template
from llm.offline.schema import ToolView

TOOL = "query_metrics"
OFFERED = 4
# words that say which figure no more than any other: in many names, or of whose, when and how asked
_NOT_WHICH = frozenset("""value deals deal rate number total average count amount with this that last from what which
have show give much many does were been like look looking compare compared team teams region unit units group week
month quarter year today period 本周 上周 本月 上月 季度 今年 去年 对比 比较 团队 我们 部门 区域 销售 情况 怎么 一下""".split())


@cache
def _asked() -> tuple[re.Pattern, ...]:
    data = read_yaml(Path(__file__).with_name("scorecard.yaml")) or {}
    return tuple(re.compile(p, re.I) for lang in ("en", "zh") for p in (data.get("asked") or {}).get(lang, ()))


def scorecard_asked(text: str) -> Scorecard | None:
    """The default scorecard, when the sentence asks how a team (or the asker) is doing."""
    return default_scorecard() if any(p.search(text) for p in _asked()) else None


def _words(text: str) -> set[str]:
    text = text.lower()
    zh = "".join(re.findall(r"[\u4e00-\u9fff]+", text))
    return ({w for w in re.findall(r"[a-z]{4,}", text)} | {zh[i:i + 2] for i in range(len(zh) - 1)}) - _NOT_WHICH


def likely_metrics(text: str, n: int = OFFERED) -> list[str]:
    """The metrics whose names share most words with the question, then the scorecard's `offered` ones, `n` in all."""
    catalog, offered = default_catalog(), default_scorecard().offered
    said = _words(text)
    shared = {}
    for m in catalog.metrics.values():
        names = [*m.label.values(), *(w for words in m.synonyms.values() for w in words)]
        common = len(said & set().union(*(_words(name) for name in names)))
        if common:
            shared[m.name] = common
    ranked = sorted(shared, key=lambda name: (-shared[name], offered.index(name) if name in offered else len(offered)))
    return (ranked + [m for m in offered if m not in ranked])[:n]


def question(view: ToolView, lang: str, text: str) -> tuple[str, list[str]] | None:
    """"Which figure would you like? (1) won value, (2) win rate, …" and the metric each number stands for."""
    if view.name != TOOL or not any(p.name == "metrics" for p in view.params):
        return None
    lang = "zh" if lang == "zh" else "en"
    options = likely_metrics(text)
    catalog = default_catalog()
    sep = "，" if lang == "zh" else ", "
    said = sep.join(f"({i}) {catalog.metrics[name].name_in(lang)}" for i, name in enumerate(options, 1))
    return template("questions", "which_metric", lang).format(options=said), options


def picked(pending: dict, reply: str, pick) -> str | None:
    """The metric a reply to our numbered question picks ("2", "the second one", "第二个"); `pick(reply, options)`
    reads the ordinal."""
    options = pending.get("metric_options") or []
    return pick(reply, options) if options else None
