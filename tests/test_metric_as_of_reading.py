"""How a manager says a figure as it stood on a day: "at the end of last quarter", "as of September 30", "上个月底",
"上季度末", "截至9月底" ask for the pipeline then (`snapshot`); "by year end" / "到年底前" stay what may still close, and
a metric with no stage history is asked as before."""
from __future__ import annotations

import datetime as dt

import pytest

from llm.offline.lexicon import Lexicon
from llm.offline.metric_query import fill
from llm.offline.reading import Reading


def read(text: str) -> dict:
    return fill(None, Reading(text, Lexicon({}), dt.date(2026, 11, 26))).args


@pytest.mark.parametrize(("text", "metric", "start", "end"), [
    ("What was our pipeline at the end of last quarter?", "pipeline_value", "2026-07-01", "2026-09-30"),
    ("上个月底的在谈金额", "pipeline_value", "2026-10-01", "2026-10-31"),
    ("截至9月底的管道金额是多少", "pipeline_value", "2026-09-01", "2026-09-30"),
    ("上季度末的加权管道", "weighted_pipeline", "2026-07-01", "2026-09-30"),
    ("How many open deals did we have at the end of June?", "open_deals", "2026-06-30", "2026-06-30"),
    ("Show me the open pipeline as of September 30", "pipeline_value", "2026-09-30", "2026-09-30"),
    ("去年年底我们有多少在途商机", "open_deals", "2025-01-01", "2025-12-31"),
])
def test_a_day_the_pipeline_stood_on_is_asked_as_of_that_day(text, metric, start, end):
    got = read(text)
    assert got["metrics"] == [metric] and got.get("snapshot") is True
    assert (got["period"]["start"], got["period"]["end"]) == (start, end)


@pytest.mark.parametrize("text", ["pipeline expected to close by year end", "到年底前预计成交的管道金额",
                                  "What's the weighted pipeline closing this quarter?", "本季度截至目前的赢单金额",
                                  "won value at the end of last quarter"])
def test_what_may_still_close_and_figures_without_a_stage_history_are_not_as_of_a_day(text):
    assert "snapshot" not in read(text)
