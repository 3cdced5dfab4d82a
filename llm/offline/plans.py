"""Find, then act: a request that names a deal by a property ("Acme's biggest open deal") takes two tool calls.

The offline model first calls `find_deals` for the account, then, reading the result, calls the tool the request
was for with the deal it picked. No hidden state: the second step re-decides the user's message (the decision is
deterministic) and reads the first step's plan from its trace. The graph bounds a turn's tool steps.
"""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from llm.offline.arguments import names_own_deals
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
# A value changed by an amount or a share rather than to one ("bump it by 5k", "add 20k to", "lower … by 10%", "加5万",
# "上调5%"): the new amount is the deal's own amount and the change, so the deal is read first.
_UP_EN = r"raise|raising|bump|bumping|increase|increasing|up|boost|lift|grow|push\s+up|top\s+up|add|adding|mark\s+up"
_DOWN_EN = r"lower|lowering|reduce|reducing|cut|cutting|decrease|decreasing|drop|trim|knock|take|subtract|shave|bring\s+down"
_BY = re.compile(r"\bby\s*$", re.I)
_ADD_BEFORE = re.compile(rf"\b(?:(?P<up>add|adding|put|tack\s+on)|(?P<down>take|knock|shave|subtract))\s*(?:another\s+|an?\s+extra\s+)?$",
                         re.I)
_MORE_AFTER = re.compile(r"^\s*(?:(?P<up>more|extra|higher|up)|(?P<down>less|lower|down))\b", re.I)
_ZH_BEFORE = re.compile(r"(?:(?P<up>加|增加|多加|追加|上调|调高|提高|提升|上涨|涨|加上|再加|多)|"
                        r"(?P<down>减|减少|减掉|扣掉|下调|调低|降低|降|少|砍掉|砍))了?\s*$")
_WHICH_WAY = re.compile(rf"\b(?:(?P<up>{_UP_EN})|(?P<down>{_DOWN_EN}))\b", re.I)
_NOT_THE_VALUE = re.compile(r"discount|折扣|打折|\boff\s+the\s+price\b|margin|毛利", re.I)
# The deal's value named ("its amount", "the value of", "worth", "金额"): the change is to it, however like a discount
# "lower … by 10%" sounds.
VALUE_NAMED = re.compile(r"\b(?:amount|value|worth|size|deal\s+size)\b|金额|价值|总额|合同额|额度", re.I)
_OWN = re.compile(r"\b(?:my|mine|i\s+own)\b|我的|我手上|我负责|我最", re.I)


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


def relative_change(reading: Reading) -> dict | None:
    """A deal's value changed by an amount or a share: {"add": 5000} for "bump it by 5k", {"add": -20000} for "cut
    it by 20k", {"percent": 10} for "raise … by 10%", {"percent": -5} for "下调5%"; None for a new value ("to 50k")."""
    text = reading.text
    if _NOT_THE_VALUE.search(text):
        return None  # a discount or a margin is not the deal's value
    for kind, found in [("percent", f) for f in reading.percents] + [("add", f) for f in reading.amounts]:
        before, after = text[:found.start], text[found.end:]
        if kind == "percent" and re.search(r"折\s*$", found.surface):
            continue  # "打八五折" is a discount
        sign = 0
        if _BY.search(before):
            way = [m for m in _WHICH_WAY.finditer(before)]
            sign = (1 if way[-1].group("up") else -1) if way else 0
        elif (m := _ADD_BEFORE.search(before)) or (m := _ZH_BEFORE.search(before)):
            sign = 1 if m.group("up") else -1
        elif (m := _MORE_AFTER.match(after)) and not re.search(r"\bto\s*$", before, re.I):
            sign = 1 if m.group("up") else -1
        if sign:
            return {kind: sign * float(found.value)}
    return None


def changed_amount(old: float, change: dict) -> float:
    """The new amount: the old one and the change (rounded to cents)."""
    new = old + change["add"] if "add" in change else old * (1 + change["percent"] / 100)
    new = round(new, 2)
    return int(new) if new == int(new) else new


def find_first(view: ToolView, filling: Filling, reading: Reading, views: list[ToolView]) -> dict | None:
    """The find step, when `view` needs a deal the request names only by a property of an account's (or the user's
    own) deals, or a deal's value changes by an amount or a share of it: {"call": (tool, args), "then": tool, "args":
    the other arguments already read, "change": the relative change, if any}."""
    if view.name == FINDER or FINDER not in {v.name for v in views}:
        return None
    if not any(p.name == "deal" and p.entity == "deal" for p in view.params):
        return None
    change = relative_change(reading) if any(p.name == "amount" for p in view.params) else None
    which = superlative(reading.text)
    if which is None and change is None:
        return None
    if change and which is None and any(param.name == "deal" for param, _m in filling.ambiguous):
        return None  # "raise Acme's amount by 10%" with two open deals there: which one is asked first, by number
    account = filling.args.get("account") or _account_named(reading)
    named = filling.args.get("deal") if which is None else None
    if named:
        find = {"deal": named}
    elif account:
        find = {"account": account}
    elif which in ("max", "min") and (_OWN.search(reading.text) or names_own_deals(reading.text)):
        # "my biggest deal", "the biggest open deal I have": the user's own open deals
        find = {"owner": "me", "open": True}
    else:
        return None
    rest = {k: v for k, v in filling.args.items() if k != "deal" and not (change and k == "amount")}
    plan = {"call": (FINDER, find), "then": view.name, "args": rest}
    return {**plan, "change": change} if change else plan


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
    items = _items(turns[start].text)
    change = plan.get("change")
    if change and not superlative(user):  # "lower D-2017's value by 10%": the one open deal found, else ask by the list
        open_deals = [i for i in items if i.get("stage") not in CLOSED and i.get("deal")]
        deal = open_deals[0]["deal"] if len(open_deals) == 1 else None
    else:
        deal = pick(items, which)
    if deal is None:
        return None  # nothing open to act on: the find step's result is phrased as the answer
    args = {**plan.get("args", {}), "deal": deal}
    if change:
        old = next((i.get("amount") for i in items if i.get("deal") == deal), None)
        if old is None:
            return None
        args["amount"] = changed_amount(float(old), change)
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
