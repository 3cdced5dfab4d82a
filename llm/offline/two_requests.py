"""Two requests in one message ("update my phone to … and unsubscribe me from the newsletter", "把邮箱改成…，另外别再给
我发推广短信了"): each part is decided on its own. When both are whole requests for different tools, both are called
in one step (a step with two writes is confirmed as a whole); when one part needs a question first, the other is
done and the reply says plainly which part was not, with the question. Offered where a customer's own-data tools
are (the privacy agent): a rep's long sentence stays one request."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from llm.offline import own_data
from llm.offline.schema import ToolView

if TYPE_CHECKING:
    from llm.offline.decide import Reply

# Where a second request may start: "… and …", "…; …", "…. Also …", "…，另外…", "…，还有…", "…；…"
_JOIN = re.compile(r",?\s+and\s+(?:also\s+|please\s+)?|\s*;\s*|[.!]\s+(?:also\s+|and\s+)?|,\s+(?:also|plus|then)\s+|"
                   r"[，,]\s*(?:另外|还有|并且|同时|然后|顺便|再)[，,]?|；|[。！]\s*(?:另外|还有|顺便)?[，,]?", re.I)
# A part starting with a contrast ("but keep …", "但是服务通知可以继续发") says what must stay: it is no request
_CONTRAST = re.compile(r"^\s*(?:but|however|though|except|only|just|但是|但|不过|可是|只是|除了)", re.I)
UNDONE = "undone"


def splits(text: str) -> Iterator[tuple[str, str]]:
    """The ways to cut `text` into two requests, at each joining word or mark with words on both sides."""
    for m in _JOIN.finditer(text):
        left, right = text[:m.start()].strip(), text[m.end():].strip()
        if len(re.sub(r"\W", "", left)) >= 4 and len(re.sub(r"\W", "", right)) >= 4 and not _CONTRAST.match(right):
            yield left, right


def offered(names: set[str]) -> bool:
    return own_data.OWN_DATA_TOOL in names


def both(text: str, decide: Callable[[str], Reply], views: list[ToolView]) -> Reply | None:
    """One reply for a message holding two changes (or one change and one asked about), or None when it holds one.
    `decide(part)` decides a part alone."""
    from llm.offline.decide import Reply
    tools = {v.name for v in views} & (own_data.TOOLS | own_data.BESIDE_OWN_DATA)
    writers = {v.name for v in views if v.writes} & tools
    for left, right in splits(text):
        first, second = decide(left), decide(right)
        calls = [r for r in (first, second) if r.kind == "tool_call" and len(r.tool_calls) == 1
                 and r.tool_calls[0].name in tools]
        asked = [(r, part) for r, part in ((first, left), (second, right))
                 if r.kind == "clarify" and r.trace.get("ask") == "missing" and r.trace.get("intent") in writers]
        names = [c.tool_calls[0].name for c in calls]
        if len(calls) == 2 and names[0] != names[1] and set(names) <= writers:
            trace = {"decision": "tool_call", "via": "two_requests", "parts": [left, right],
                     "intent": calls[0].tool_calls[0].name, "args": [c.tool_calls[0].arguments for c in calls]}
            return Reply("tool_call", f"two requests: {left} | {right}", calls[0].tool_calls + calls[1].tool_calls, trace)
        if len(calls) == 1 and len(asked) == 1 and calls[0].tool_calls[0].name != asked[0][0].trace.get("intent"):
            done, (question, part) = calls[0], asked[0]
            trace = {**done.trace, "via": "two_requests", UNDONE: {"part": part, "question": question.content}}
            return Reply("tool_call", done.content, done.tool_calls, trace)
    return None
