"""A figure as it stood on a day: "what was our pipeline at the end of last quarter", "as of September 30",
"上个月底的在谈金额", "截至9月底": query_metrics' `snapshot` (the open deals then, in their stage then), and the day itself
when only "the end of June" names it. The cue words are data (metric_terms.yaml `as_of`)."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

import yaml

from llm.offline.dates import find_dates
from llm.offline.metric_periods import find_until_end


@lru_cache(maxsize=1)
def _cues() -> re.Pattern:
    data = yaml.safe_load(Path(__file__).with_name("metric_terms.yaml").read_text(encoding="utf-8"))
    return re.compile("|".join(f"(?:{p})" for p in data["as_of"]), re.I)


def said_as_of(text: str, today: dt.date) -> re.Match | None:
    """The words asking for a figure as it stood on a day; None for "by year end" / "到年底" (what may still close)."""
    if find_until_end(text, today):
        return None
    return _cues().search(text)


_END_OF_MONTH = re.compile(r"^(?:the\s+)?end\s+of\b", re.I)


def end_of_month_day(text: str, today: dt.date) -> tuple[dict, tuple[int, int]] | None:
    """ "at the end of June": the month's last day as the period (dates.py reads it as a due day, which leaves a
    period's reading without it), when said as a day a figure stood on."""
    if not said_as_of(text, today):
        return None
    for d in find_dates(text, today):
        if _END_OF_MONTH.match(d.surface):
            day = d.value if isinstance(d.value, str) else d.value.isoformat()
            if dt.date.fromisoformat(day) < today:
                return {"start": day, "end": day, "label": day}, (d.start, d.end)
    return None
