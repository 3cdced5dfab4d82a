"""A rep's own figures: the one kind of figure a rep is answered with the metric tool (agents/routing.py offers it
to reps in the sales specialist). "How many customer meetings have I had this month", "我今年赢单金额是多少",
"what's my win rate this year": a catalogue metric, a measure asked, and the figure said as the asker's own ("I",
"my", "我": metric_terms.yaml `mine.me`), not their team's or unit's. Anything else a rep says is decided as if the
metric tool were not offered, so nothing else a rep asks changes: their open deals counted or summed stay their deal
list, which says how many and how much ("how many open deals do I have", "my pipeline this quarter"), and one deal
picked by its size is a record ("my largest deal closing this month")."""
from __future__ import annotations

import re

from crm.metrics import default_catalog
from llm.offline import metric_query
from llm.offline.messages import Turn
from llm.offline.reading import Reading
from llm.offline.whose import own_units

REP = "rep"
OPEN_BOOK = "deals.expected_close"  # metrics of the open deals, dated by when they are expected to close
_ROLE = re.compile(r"\(role:\s*([\w-]+)\)")
# One deal picked by its size ("my largest deal closing this month", "我金额最大的单子"): a record, not a figure ("my
# average deal size" is one).
_ONE_DEAL_BY_SIZE = re.compile(r"\b(?:biggest|largest|smallest|most\s+valuable|highest[- ]value)\s+(?:[\w'-]+\s+){0,2}"
                               r"(?:deal|opportunity)\b(?!\s+(?:size|value|amount|count))|最(?:大|小)的?(?:单子|商机|订单)"
                               r"|金额最(?:大|高|小|低)的(?:单子|商机|订单)", re.I)


def role_of(turns: list[Turn]) -> str | None:
    """The user's role, as the runtime says it in the system message listing what they can do (agents/capabilities)."""
    from llm.offline.offer import LEAD
    text = next((t.text for t in reversed(turns) if t.role == "system" and t.text.startswith(LEAD)), "")
    found = _ROLE.search(text.split("\n", 1)[0])
    return found.group(1) if found else None


def asks_own_figure(text: str, reading: Reading, history: list[Turn] = ()) -> bool:
    """Whether `text` asks for a figure of the asker's own (see the module's docstring)."""
    if _ONE_DEAL_BY_SIZE.search(text):
        return False
    figure = metric_query.fill(None, reading, history)
    if (figure.args.get("filters") or {}).get("rep") != [metric_query_mine()] or own_units(text):
        return False
    if not metric_query.asks_for_a_figure(figure, text):
        return False
    catalog = default_catalog().metrics
    metrics = [catalog.get(m) for m in figure.args.get("metrics") or ()]
    return bool(metrics) and all(m is not None and m.time != OPEN_BOOK for m in metrics)


def metric_query_mine() -> str:
    from crm.metrics.query import MINE
    return MINE
