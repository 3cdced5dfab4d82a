"""How well a tool fits a message beyond similarity: its arguments found, names it takes, reads versus writes."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from llm.offline.arguments import Filling
from llm.offline.lexicon import Lexicon
from llm.offline.reading import Reading
from llm.offline.schema import ToolView
from llm.offline.text import before_colon

# Bonuses and penalties on the similarity score, tuned with the thresholds in decide.py.
FIT_SPECIFIC, FIT_NAMED, FIT_MISSING, FIT_FOREIGN_NAME, SMALL_TALK_WITH_NAME = 0.02, 0.02, 0.015, 0.02, 0.03
FIT_WRITE_ON_QUESTION, FIT_RECORD_AHEAD, FIT_REPORTED, FIT_NEW_CASE = 0.02, 0.04, 0.03, 0.03
# A call, meeting, visit or e-mail told as done ("had a call with Changfeng today", "去同舟教育科技见了赵军"): a report
# for the tools that record what happened, not a request for the day's plan or a reminder.
_REPORTED = re.compile(
    r"\b(?:just\s+)?had\s+(?:a|an|our|the|my)\s+(?:\w+\s+)?(?:call|meeting|chat|catch-?up|visit|demo|conversation)\b"
    r"|\b(?:called|rang|phoned|met|emailed|e-mailed|visited|spoke|talked|caught\s+up)\s+(?:with\s+)?\w"
    r"|\bgot\s+off\s+(?:the\s+)?(?:phone|call)\b"
    r"|(?:打了|打过|通了|通过|接了|接到)(?:个|一个|一通)?电话|(?:刚|刚刚|刚才)?(?:来了?|打来了?)(?:个|一个|一通)?电话|(?:见了|见过|见完|拜访了|拜访过|拜访完|去了趟|去了一趟|见到了|约见了|开了会|开完会)"
    r"|(?:发了|发过|回了)(?:封|一封)?邮件|(?:聊了|谈了|沟通了|交流了|聊完|谈完|沟通完|打完电话|通完电话)", re.I)
# "看看"/"看一下" after going somewhere ("派个人过去看看", "上门看一下") is what the one sent is to do, not "show me"
_QUESTION = re.compile(r"^\s*(?:which|what|who|whom|how|where|when|show|list|find|any|are|is|do|does|did)\b|"
                       r"哪些|哪个|哪几|什么|多少|几个|怎么|吗|呢|列出|(?<!去)(?<!来)(?<!上门)(?:看一下|看看)|查一下|给我看", re.I)
_REQUEST = re.compile(r"\b(?:can|could|would|will) you\b|\bplease\b|能不能|可以|帮我|麻烦", re.I)


# Something the speaker is about to do ("下午要和海天电子通电话", "I'm going to call them later today", "准备去拜访"):
# a plan, nothing to log yet, whatever day it names.
_CONTACT_EN = r"(?:call|ring|phone|meet|visit|see|email|e-mail|talk|speak|chat|catch\s+up|drop\s+by|stop\s+by|pitch|demo)"
_AHEAD = re.compile(
    r"\b(?:(?:going|about|planning|plan|intend|want|have|need|got)\s+to|gonna|i'?ll|i\s+will|we'?ll|we\s+will"
    r"|(?:i'?m|we'?re|i\s+am|we\s+are)\s+(?:planning\s+on|)?)\s*(?:be\s+)?" + _CONTACT_EN +
    r"|\blater\s+(?:today|this\s+(?:morning|afternoon|evening|week))\b|\b(?:before|ahead\s+of)\s+(?:i|we|my|our|the)\s+"
    r"(?:\w+\s+)?" + _CONTACT_EN +
    r"|(?:上午|中午|下午|晚上|今晚|明天|明早|后天|周[一二三四五六日天]|下周|待会儿?|等会儿?|等一下|一会儿?|马上|稍后|晚点|回头)"
    r"(?:还)?(?:要|得|会|准备|打算|去|和|跟|给|见|拜访)"
    r"|(?:^|我|我们|咱们|，|,)(?:准备|打算|计划|将要|即将|想)(?:要)?(?:去|和|跟|给|见|拜访|打电话|约)"
    r"|要(?:去|和|跟|给)(?:.{0,12})(?:通电话|打电话|打个电话|开会|见面|见个面|拜访|聊|谈|沟通)"
    r"|(?:见面|拜访|打电话|通电话|开会)(?:之前|以前)", re.I)


def mentions_future(reading: Reading) -> bool:
    """Whether the message speaks of something still to come: a call or visit planned, a day ahead."""
    head = Reading(before_colon(reading.text), reading.lexicon, reading.today)
    if _AHEAD.search(head.text):
        return True
    today = reading.today.isoformat()
    return any(d.value > today for d in head.dates) or any(p.value["start"] > today for p in head.periods)


# Cases still open, asked about ("any unresolved tickets at Acme?", "海天电子还有没关的工单吗"): what an account's summary
# lists, not a case to open.
_OPEN_CASES = re.compile(
    r"\b(?:open|unresolved|outstanding|pending|unsolved|unanswered|active|live)\s+(?:\w+\s+)?(?:tickets?|cases?|complaints?|issues?)\b"
    r"|\b(?:tickets?|cases?|complaints?|issues?)\s+(?:\w+\s+){0,3}(?:still\s+)?(?:open|unresolved|outstanding|pending|not\s+(?:yet\s+)?"
    r"(?:closed|resolved|fixed|solved))\b"
    r"|(?:没关|没解决|未解决|未关|没处理|未处理|未结|没结|没处理完|待处理|还开着)的?(?:工单|投诉|售后|报修|问题)"
    r"|(?:工单|投诉|售后|报修)(?:都|还)?(?:没关|没解决|未解决|未关|没处理|未处理|未结|没结|开着)", re.I)


# "open a case for 海天电子: the installation is delayed", "file a ticket", "帮我开个工单": a case asked for in so many
# words (a question about cases, "did you open a case?", asks; "open cases at Acme" lists them)
_NEW_CASE = re.compile(
    r"\b(?:open|file|raise|log|create|submit|lodge|start)\s+(?:a|an|another)\s+(?:new\s+)?(?:[\w-]+\s+)?"
    r"(?:case|ticket|complaint)\b"
    r"|(?:开|建|提|创建|新建|登记|提交)(?:一)?(?:个|张|条)(?:[\u4e00-\u9fff]{0,4})?(?:工单|投诉单|售后单|报修单)", re.I)


def asks_to_open_a_case(text: str) -> bool:
    """Whether a message asks in so many words for a new case (ticket, complaint) to be opened."""
    return bool(_NEW_CASE.search(text)) and not asks(text)


def asks_about_open_cases(text: str) -> bool:
    """Whether a question asks which cases are still open (at an account): read, never a case opened."""
    return bool(_OPEN_CASES.search(text)) and asks(text)


def reported(text: str) -> bool:
    """Whether a message tells of a call, meeting, visit or e-mail as done (and asks nothing)."""
    return bool(_REPORTED.search(text)) and not asks(text)


def asks(text: str) -> bool:
    """Whether a message asks for information rather than asks for a change ("can you book ...?" asks
    for a change)."""
    if _QUESTION.search(text):
        return True
    return bool(re.search(r"[?？]\s*$", text)) and not _REQUEST.search(text)


@dataclass(frozen=True)
class Unnamer:
    """Removes the lexicon's names (and unknown Capitalised names) from a text; hashable per lexicon."""

    lexicon: Lexicon

    def __call__(self, text: str) -> str:
        return Reading(text, self.lexicon, dt.date.today()).intent_text


@dataclass(frozen=True)
class NameKinds:
    """The entity kinds a text names (for example utterances: which kinds of record a tool is about)."""

    lexicon: Lexicon

    def __call__(self, text: str) -> set[str]:
        return {m.kind for m in Reading(text, self.lexicon, dt.date.today()).all_entities()}


def slot_fit(view: ToolView, filling: Filling, reading: Reading) -> float:
    """A bonus for tools whose specific arguments (stage, period, amount ...) the message fills."""
    specific = sum(1 for f in filling.filled if f.how in ("enum", "period", "date", "percent", "amount"))
    named = any(f.how == "entity" for f in filling.filled)
    accepted = {p.entity for p in view.params if p.entity}
    mentioned = {m.kind for m in reading.all_entities()}
    fit = FIT_SPECIFIC * min(specific, 2) + (FIT_NAMED if named else 0.0) - FIT_MISSING * min(len([p for p in filling.missing if p not in filling.pointed]), 2)
    if view.writes and asks(reading.text):  # a question reads; changing records needs a statement
        fit -= FIT_WRITE_ON_QUESTION
    if view.records and reported(reading.text):  # told as done: a date ahead is what was talked about
        fit += FIT_REPORTED
    elif view.records and mentions_future(reading):  # "I'm meeting them tomorrow" is nothing to log yet
        fit -= FIT_RECORD_AHEAD
    if mentioned and not accepted & mentioned:
        fit -= FIT_FOREIGN_NAME
    return fit
