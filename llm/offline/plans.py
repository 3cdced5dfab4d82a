"""Find, then act: a request that names a deal by a property ("Acme's biggest open deal") takes two tool calls.

The offline model first calls `find_deals` for the account, then, reading the result, calls the tool the request
was for with the deal it picked. No hidden state: the second step re-decides the user's message (the decision is
deterministic) and reads the first step's plan from its trace. The graph bounds a turn's tool steps.
"""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from llm.offline.schema import ToolView

if TYPE_CHECKING:
    from llm.offline.arguments import Filling
    from llm.offline.decide import Reply, TurnPolicy
    from llm.offline.messages import Turn
    from llm.offline.reading import Reading

FINDER = "find_deals"
PLAN = "find_then_act"
BIGGEST = re.compile(r"\b(biggest|largest|highest|most valuable|top)\b|最大|最高|金额最", re.I)
SMALLEST = re.compile(r"\b(smallest|lowest|least valuable)\b|最小|最低|金额最少", re.I)
CLOSED = ("won", "lost")
# A change asked for every deal of an account ("mark every deal of Acme as lost", "所有的商机都推到谈判阶段"): found
# first, then one call per open deal, confirmed together as one bulk change (agents/confirmation.py).
EVERY = re.compile(r"\b(?:every|each)\s+(?:\w+\s+)?(?:deal|opportunity)\b|\ball\s+(?:of\s+)?[^.?!,;]{0,40}?\b(?:deals|opportunities)\b"
                   r"|(?:所有|全部|每个|每一个)(?:的)?[^，,。？?]{0,4}?(?:商机|单子|项目)|(?:商机|单子|项目)(?:都|全部|全都)", re.I)
MOST_AT_ONCE = 10  # more open deals than this are not changed in one request


def superlative(text: str) -> str | None:
    """"max" for the biggest deal, "min" for the smallest, "all" for every deal, None when the request names no such
    property."""
    if EVERY.search(text):
        return "all"
    if BIGGEST.search(text):
        return "max"
    if SMALLEST.search(text):
        return "min"
    return None


def find_first(view: ToolView, filling: Filling, reading: Reading, views: list[ToolView]) -> dict | None:
    """The find step, when `view` needs a deal the request names only by a property of an account's deals:
    {"call": (tool, args), "then": tool, "args": the other arguments already read}."""
    if view.name == FINDER or FINDER not in {v.name for v in views} or superlative(reading.text) is None:
        return None
    if not any(p.name == "deal" and p.entity == "deal" for p in view.params):
        return None
    account = filling.args.get("account") or _account_named(reading)
    if not account:
        return None
    rest = {k: v for k, v in filling.args.items() if k != "deal"}
    return {"call": (FINDER, {"account": account}), "then": view.name, "args": rest}


def next_step(policy: TurnPolicy, turns: list[Turn], views: list[ToolView]) -> Reply | None:
    """After the find step's results: the planned call with the deal picked from them (None: not a plan's step)."""
    from llm.offline.decide import Reply, ToolCall

    start = len(turns)
    while start > 0 and turns[start - 1].role == "tool":
        start -= 1
    asked = turns[start - 1] if start > 0 and turns[start - 1].role == "assistant" else None
    if asked is None or [c["name"] for c in asked.tool_calls] != [FINDER]:
        return None
    earlier = policy.decide_request(turns[: start - 1], views)
    plan = earlier.trace.get("plan") if earlier.trace else None
    if not plan or plan.get("name") != PLAN or plan.get("then") not in {v.name for v in views}:
        return None
    user = next((t.text for t in reversed(turns[: start - 1]) if t.role == "user"), "")
    which = superlative(user) or "max"
    if which == "all":
        deals = every_open(_items(turns[start].text), plan.get("args", {}))
        if not deals or len(deals) > MOST_AT_ONCE:
            return None  # nothing open, or too many to change at once: the list is the answer
        calls = [ToolCall(plan["then"], {**plan.get("args", {}), "deal": d}) for d in deals]
        trace = {"decision": "tool_call", "via": "plan", "plan": {**plan, "picked": deals}}
        return Reply("tool_call", f"{plan['then']} on {', '.join(deals)}", calls, trace)
    deal = pick(_items(turns[start].text), which)
    if deal is None:
        return None  # nothing open to act on: the find step's result is phrased as the answer
    args = {**plan.get("args", {}), "deal": deal}
    trace = {"decision": "tool_call", "via": "plan", "plan": {**plan, "picked": deal}}
    return Reply("tool_call", f"{plan['then']} on {deal}", [ToolCall(plan["then"], args)], trace)


def every_open(items: list[dict], args: dict) -> list[str]:
    """The open deals of a find step's result that the change would change (one already at the stage asked for is
    left out), in id order."""
    return sorted((i["deal"] for i in items if i.get("stage") not in CLOSED and i.get("deal")
                   and not (args.get("stage") and i.get("stage") == args["stage"])), key=_id)


def pick(items: list[dict], which: str) -> str | None:
    """The open deal with the largest (or smallest) amount; ties go to the lower id."""
    open_deals = [i for i in items if i.get("stage") not in CLOSED and i.get("amount") is not None and i.get("deal")]
    if not open_deals:
        return None
    sign = -1 if which == "max" else 1
    best = min(open_deals, key=lambda i: (sign * float(i["amount"]), _id(i["deal"])))
    return best["deal"]


def _items(text: str) -> list[dict]:
    try:
        data = json.loads(text)
    except (TypeError, json.JSONDecodeError):
        return []
    return data.get("items") or [] if isinstance(data, dict) and data.get("ok", True) else []


def _id(ref: str) -> int:
    digits = re.sub(r"\D", "", ref)
    return int(digits) if digits else 0


def _account_named(reading: Reading) -> str | None:
    found = [m for m in reading.entities("account") if len(m.candidates) == 1]
    return found[0].candidates[0] if found else None
