"""A list just shown, narrowed by its order: "ok, and what's the biggest one among them?", "其中哪个最可能成交", "sort
those by close date". The same search runs again with the order asked (and cut to one when one is asked for, to the
number when a number is); nothing else of the earlier request changes. A request that names an action ("move the
biggest of them to negotiation") is no narrowing: it is read as a request of its own; a question may name one ("which
of them is most likely to close?", "哪个最有希望签下来"): it asks which record, and acts on none."""
from __future__ import annotations

import json
import re

from crm.mood import Mood, mood_of, names_an_action
from llm.offline.list_count import find_count
from llm.offline.list_order import find_orders
from llm.offline.messages import Turn
from llm.offline.schema import ToolView

# The list itself pointed at, not a record in it ("that deal") nor a new subject.
POINTS_AT_THE_LIST = re.compile(
    r"\b(?:among|of|from)\s+(?:them|those|these|the\s+list|that\s+list|this\s+list)\b"
    r"|\b(?:which|what)\s+of\s+(?:them|those|these)\b|\b(?:sort|order|rank|re-?order)\s+(?:them|those|these|it|that)\b"
    r"|\b(?:them|those|these)\s+(?:sorted|ordered|ranked)\b"
    r"|其中|这些(?:里|中|当中|里面|之中)|那些(?:里|中|当中|里面)|它们(?:里|中|当中)|这几个(?:里|中|当中)?|上面(?:这些|那些)?(?:里|中)"
    r"|(?:把)?(?:这些|它们|那些)(?:按|排)", re.I)
# A question opening with "which one" ("which one is most likely to close?", "哪个最有希望签下来"), naming nothing else,
# right after a list: about that list.
_WHICH_OPENS = re.compile(r"^\s*(?:(?:ok|okay|and|so|then|well)[,]?\s+)*which(?:\s+(?:one|ones|deal|deals))?\s+(?:is|are|was|has|will|would|should|could|might)\b"
                          r"|^\s*(?:那|那么|那这些|这些|那其中)?(?:里面)?哪(?:个|一个|笔|单|几个|几笔)", re.I)
# One record asked for: "the biggest one", "which is", "哪个", "哪一个".
_ONE = re.compile(r"\b(?:one|which(?:\s+of\s+(?:them|those|these))?\s+(?:is|was|has|will|would|deal)|what\s+is\s+the"
                  r"|what's\s+the)\b"
                  r"|哪个|哪一个|哪笔|哪单|哪家|哪一家", re.I)


def narrowed(text: str, history: list[Turn], views: list[ToolView], *, names_something: bool = True
             ) -> tuple[str, dict] | None:
    """(tool, arguments) of the search just shown, ordered as `text` asks; None when `text` narrows no list.
    `names_something`: whether `text` names a record or an account of its own (then only words pointing back at
    the list make it about the list)."""
    question = mood_of(text) is Mood.QUESTION
    if not (POINTS_AT_THE_LIST.search(text) or (question and not names_something and _WHICH_OPENS.search(text))):
        return None
    last = _last_search(history)
    if last is None:
        return None
    name, args = last
    view = next((v for v in views if v.name == name), None)
    order = next((p for p in view.params if p.slot == "list_order"), None) if view else None
    if order is None:
        return None
    found = find_orders(text, tuple(order.enum) or tuple(order.item_enum))
    if not found or (not question and names_an_action(_without(text, found))):
        return None  # "by close date" orders; "close the biggest of them" would act, "which … to close?" asks which
    narrowed_args = {k: v for k, v in args.items() if k != order.name}
    narrowed_args[order.name] = found[0].value
    count = next((p for p in view.params if p.slot == "list_count"), None)
    if count is not None and narrowed_args.get(count.name) == 1:
        del narrowed_args[count.name]  # one record shown: "sort those" is about the list it was taken from
    if count is not None:
        said = find_count(text)
        if said is not None:
            narrowed_args[count.name] = int(said.value)
        elif _ONE.search(text):
            narrowed_args[count.name] = 1
    return name, narrowed_args


def _without(text: str, found: list) -> str:
    for f in sorted(found, key=lambda f: f.start, reverse=True):
        text = text[:f.start] + " " + text[f.end:]
    return text


def _last_search(history: list[Turn]) -> tuple[str, dict] | None:
    """The list tool the assistant called in answer to the user's previous message, with its arguments."""
    for turn in reversed(history):
        if turn.role == "user":
            return None
        if turn.role == "assistant" and turn.tool_calls:
            call = turn.tool_calls[-1]
            try:
                raw = call.get("arguments") or "{}"
                args = raw if isinstance(raw, dict) else json.loads(raw)
            except (TypeError, ValueError):
                return None
            return (call["name"], args) if isinstance(args, dict) else None
    return None
