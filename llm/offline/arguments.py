"""Filling a tool's arguments from a reading of the user's message, guided by the JSON schema hints."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from crm.account_weight import BIGGEST_CUSTOMER
from llm.offline.contrast import against, without_join
from llm.offline.lexicon import Match
from llm.offline.reading import Reading
from llm.offline.due_window import find_days_ahead
from llm.offline.list_count import find_count
from llm.offline.list_order import find_orders
from llm.offline.rivals import find_competitors
from llm.offline.schema import Param, ToolView, coerce
from llm.offline.staleness import find_idle_days
from llm.offline.synonyms import command_words as generic_command_words
from llm.offline.synonyms import prospective, stand_ins
from llm.offline.text import CJK_CHAR, LEAD_INS, Found, Span, before_colon, overlap_tokens
from llm.offline.whose import our_side, own_units

# Slots filled before others: specific readings first, free text (what is left over) last.
_ORDER = {"entity": 0, "enum": 1, "idle_days": 1.5, "own_accounts": 1.55, "period": 2, "date": 3, "percent": 4, "amount": 5, "integer": 6, "guess": 7,
          "open_deals": 1.6, "slipped": 0.8, "list_order": 1.7, "list_count": 1.8, "deal_id": 0.5, "reason": 8, "free_text": 9}
_CONNECTORS = set("给和跟与同的了说把对在向为从就")
_LEADING_CJK = set("给和跟与同对向把")
_DANGLING_CJK = set("给和跟与同对向把在为从")  # a sentence may end in 了 or 的; never in a preposition
_WORDS_STARTING_LIKE_A_PREPOSITION = frozenset("跟进 对接 对比 同步 同意 给予 把握 和解 向导".split())
# …unless the character ends a word of its own: "合同" (a contract), "现在", "因为", "针对"
_WORDS_ENDING_LIKE_A_PREPOSITION = frozenset(
    "合同 共同 相同 不同 协同 陪同 连同 如同 核对 相对 绝对 面对 针对 反对 应对 存在 现在 正在 所在 实在 因为 作为 认为 "
    "行为 成为 方向 意向 倾向 导向 参与 总和 温和 供给 自从 服从".split())  # "给北辰打了电话": function words even at the very start
# Words that turn what follows around: dropping one as a command word would say the opposite ("想再收到…" for
# "我不想再收到…").
_NEGATIONS = frozenset({"不", "别", "没", "未", "勿", "not", "no", "never", "don't", "dont", "doesn't", "won't"})
# The particle of a phrasal command ("set up", "put in", "write down"): part of the command, never the content.
_PARTICLES = frozenset({"up", "down", "in"})
# Words a follow-up message opens with before its command ("and set a reminder for Thursday", "also log a call")
_OPENERS = frozenset({"and", "also", "then", "plus", "oh", "ok", "okay", "so", "now", "next", "still"})
_LATIN_CONNECTORS = {"a", "an", "the", "with", "to", "for", "about", "that", "saying", "said", "says", "re", "regarding",
                     "on", "at", "and", "of", "from", "me", "please", "against", "ok", "okay", "so"}
# A deal's id as typed; ids of the user's own deals are in the lexicon, others reach the tool, which refuses them.
_DEAL_ID = re.compile(r"(?<![A-Za-z0-9-])(?:D-?|#)(\d{1,7})(?![0-9A-Za-z])", re.I)
# Words after which a capitalised name is the record asked about: "deals of X", "contacts at X", "overview for X".
_NAME_CUE = re.compile(r"\b(?:of|for|at|with)\s+", re.I)
# Kinds an introduced name may fill: an account or a person there, never a colleague or a product.
_INTRODUCED_KINDS = ("account", "contact")
_TARGET_CUE = re.compile(r"(?:\b(?:to|into|as)\s+(?:the\s+)?|->\s*|→\s*|到|成|为|进入|改成|改为|标成|标为|变成|转为)\s*$",
                        re.I)
_FILLER = re.compile(r"^(?:it'?s|it is|for|the|account|customer|客户是|客户|是|就是|the one called)\s+|[。.!！?？,，\s]+$",
                     re.I)


_AHEAD = re.compile(r"promis|deliver|due|deadline|ahead of today|承诺|交付|交货|到期", re.I)


def _ahead(iso: str, today: dt.date) -> str:
    """A date without a year that a promise or a delivery names lies ahead, not months behind."""
    day = dt.date.fromisoformat(iso)
    if (today - day).days > 31:
        try:
            return day.replace(year=day.year + 1).isoformat()
        except ValueError:  # 29 February
            return day.isoformat()
    return iso


# A day something took place (an activity logged): a weekday said alone lies behind, never ahead
_PAST = re.compile(r"took place|happened|发生", re.I)


def _last_week_if_ahead(iso: str, surface: str, today: dt.date) -> str:
    """A day an activity took place said as a bare weekday still ahead this week ("met them on Monday", said on a
    Thursday, is this week's Monday; "on Friday", said on a Thursday, last week's) is the one just past."""
    day = dt.date.fromisoformat(iso)
    if day > today and _BARE_WEEKDAY.search(surface):
        return (day - dt.timedelta(days=7 * ((day - today).days // 7 + 1))).isoformat()
    return iso


# A weekday said alone ("on Thursday", "周四"), not "this Thursday" / "这周四" / "today"
_BARE_WEEKDAY = re.compile(r"^\s*(?:on\s+)?(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\s*$"
                           r"|^\s*(?:周|星期|礼拜)[一二三四五六日天1-7]\s*$", re.I)


def _next_week_if_today(iso: str, surface: str, today: dt.date) -> str:
    """A day a task falls due that is said as a bare weekday which is today ("on Thursday", said on a Thursday)
    means the next one: who means today says "today"."""
    if iso == today.isoformat() and _BARE_WEEKDAY.search(surface):
        return (today + dt.timedelta(days=7)).isoformat()
    return iso


@dataclass(frozen=True)
class Filled:
    name: str
    value: Any
    source: str
    how: str  # entity / enum / period / ... / guess / answer / free_text


@dataclass
class Filling:
    args: dict[str, Any] = field(default_factory=dict)
    filled: list[Filled] = field(default_factory=list)
    missing: list[Param] = field(default_factory=list)
    ambiguous: list[tuple[Param, Match]] = field(default_factory=list)
    used: list[Span] = field(default_factory=list)
    # clauses that go against what the tool does ("…, but keep the service updates"): read for no argument
    against: list[Span] = field(default_factory=list)
    # how a reader came to some values, when that matters later ("bare_group": a dimension named without "by"/"各")
    hints: set[str] = field(default_factory=set)
    # optional arguments asked for because the message points at a record never named ("their company"): asked, but
    # no sign that the tool fits less
    pointed: list[Param] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.args


def _typed_deal_id(p: Param, reading: Reading, out: Filling) -> bool:
    """A deal id as typed ("D-1905"), whether or not this user's names know it: the tool says if it is out of
    their sight, rather than the model asking "which deal?" about the deal just named."""
    typed_id = _DEAL_ID.search(reading.text)
    if not typed_id or not _free(Span(typed_id.start(), typed_id.end()), out.used):
        return False
    _put(out, p, f"D-{typed_id.group(1)}", Found(typed_id.group(0), typed_id.start(), typed_id.end(),
                                                 typed_id.group(0)), "id")
    return True


def kind_of(param: Param) -> str:
    if param.entity:
        return "entity"
    if param.slot in ("list_order", "list_count"):  # read from cues of an order or a count, not from values' words
        return param.slot
    if param.enum or param.item_enum:
        return "enum"
    return param.slot or "plain"


@lru_cache(maxsize=512)
def command_words_of(tool: ToolView) -> frozenset[str]:
    """Words that ask for the tool rather than carry content: generic ones, the tool's name, and words
    that several of its examples repeat ("log", "call" in "log a call with ...")."""
    counts = Counter(tok for example in tool.examples for tok in overlap_tokens(example))
    repeated = {tok for tok, n in counts.items() if n >= 2} - _quoted_content(tool)
    return frozenset(repeated | overlap_tokens(tool.name.replace("_", " ")) | generic_command_words())


def _quoted_content(tool: ToolView) -> frozenset[str]:
    """Words a free-text argument's description quotes as content ("e.g. '推广短信'"): content, never a command,
    however often the examples repeat them."""
    quoted = [q for p in tool.params if kind_of(p) == "free_text" for q in re.findall(r"'([^']+)'", p.description)]
    return frozenset(tok for q in quoted for tok in overlap_tokens(q))


def fill(tool: ToolView, reading: Reading, answering: tuple[str, ...] = ()) -> Filling:
    """Arguments of `tool` found in `reading`. `answering` names parameters the whole text may answer
    (the user's reply to "Which account?"), so a bare unknown name still fills them."""
    command_words = command_words_of(tool)
    out = Filling()
    params = sorted(tool.params, key=lambda p: _ORDER.get(kind_of(p), 8))
    content = _content_after_colon(reading.text)
    if content:  # "…: they want a revised quote" is the note, not a stage or a name
        out.used.append(content)
    out.against = against(tool, reading.text)
    out.used.extend(out.against)
    if any(kind_of(p) in ("open_deals", "slipped") for p in tool.params):  # "还没成交" is no won stage
        out.used.extend(Span(m.start(), m.end()) for m in _NOT_CLOSED.finditer(reading.text))
    for p in params:
        _fill_one(p, reading, out, command_words, p.name in answering)
        if p.entity == "deal" and not out.has(p.name) and not any(a[0] is p for a in out.ambiguous):
            _typed_deal_id(p, reading, out)  # before a number slot reads "1709" out of "D-1709"
    for p in params:  # names shared by several records count only where nothing else claimed the words
        if p.entity and not out.has(p.name):
            _fill_one(p, reading, out, command_words, False, late=True)
    for p in params:  # a deal may be named by its product: "bump the AI Sales Assistant deal to negotiation"
        if p.entity and not out.has(p.name):
            for kind in stand_ins(p.entity):
                match = next((m for m in reading.entities(kind) if not m.ambiguous and _free(Span(m.start, m.end), out.used)), None)
                if match:
                    _put(out, p, match.canonical, Found(match.canonical, match.start, match.end, match.text), "entity")
                    break
    for p in params:  # "our biggest customer": an account by its weight; the store resolves it (crm/services/lookup.py)
        if p.entity == "account" and not out.has(p.name):
            weight = BIGGEST_CUSTOMER.search(reading.text)
            if weight and _free(Span(weight.start(), weight.end()), out.used):
                _put(out, p, weight.group(0), Found(weight.group(0), weight.start(), weight.end(), weight.group(0)), "entity")
    for p in params:  # second chance for names the lexicon does not know (for an optional one it knows, only
        # a name introduced as one: "the deals of Globex Logistics" asks about Globex, which this user cannot see)
        if not p.entity or out.has(p.name) or any(a[0] is p for a in out.ambiguous):
            continue
        if p.entity == "deal" and _typed_deal_id(p, reading, out):
            continue
        sure = p.required or not reading.lexicon.entries.get(p.entity or "") or p.name in answering
        cued = {m.end() for m in _NAME_CUE.finditer(reading.text)} if not sure else set()
        if p.entity in _INTRODUCED_KINDS:  # "中科化工的商机", "Contoso Pharma's deals": introduced as a name
            cued |= {f.start for f in reading.introduced_names}
        if not (sure or cued):
            continue
        guess = _first_free(reading.name_guesses(), out.used)
        if guess is None and p.name in answering:
            guess = _whole_answer(reading.text)
        if guess is not None and (sure or guess.start in cued or guess.start - 1 in cued):  # - 1: a quote mark
            _put(out, p, guess.value, guess, "guess" if p.name not in answering else "answer")
    if content:
        out.used.remove(content)
        for p in params:  # a required name may still sit in the content: "log a call: Acme wants a demo"
            if p.entity and p.required and not out.has(p.name) and not any(a[0] is p for a in out.ambiguous):
                _fill_one(p, reading, out, command_words, False, late=True)
    for p in tool.params:
        if p.required and not out.has(p.name) and not any(a[0] is p for a in out.ambiguous):
            out.missing.append(p)
    return out


def _content_after_colon(text: str) -> Span | None:
    """What follows "log a call with Acme:" is content (a note), not more arguments."""
    colon = re.search(r"[:：]", text)
    if colon and text[:colon.start()].strip(" -!,.").lower() in LEAD_INS:
        return None  # "heads up: …" announces the message; what follows is the request itself
    return Span(colon.start(), len(text)) if colon and before_colon(text) != text else None


# Deals not yet won or lost, as users say it: "open deals", "still open", "没成交的", "进行中的", "在跟的".
_OPEN_DEALS = re.compile(r"\b(?:still\s+open|open\s+(?:deals?|opportunit(?:y|ies)|pipeline)|not\s+(?:yet\s+)?(?:closed|won)|"
                         r"(?:deals?|opportunit(?:y|ies))\s+(?:that\s+are\s+)?(?:still\s+)?open)\b|"
                         r"\bon\s+hand\b|\bin\s+(?:my|your)\s+hands\b"  # "the deals I have on hand", "我手上的商机": held, so open
                         r"|未成交|没成交|没有成交|未关单|没关单|没有关单|未结|进行中|在跟|在途|跟进中|手上|手里|手头")

# A deal still open after the day it was expected to close ("deals that slipped", "past their close date", "过了预计成交
# 日期还没成交", "逾期未成交的单子"): its words say which deals, so no stage or period reads them.
_SLIPPED = re.compile(r"\bslipp(?:ed|ing)\b|\b(?:past|missed|beyond|after|over)\s+(?:their|the|its|our|my)?\s*(?:expected\s+|planned\s+)?"
                      r"clos(?:e|ing)(?:\s+dates?)?\b|\boverdue\s+(?:deals?|opportunit(?:y|ies))\b|"
                      r"\b(?:deals?|opportunit(?:y|ies))\s+(?:that\s+are\s+|which\s+are\s+)?(?:now\s+)?overdue\b|"
                      r"\bshould\s+have\s+(?:closed|signed)\b|"
                      r"(?:已经)?(?:过了|超过|超出|错过)(?:了)?预计(?:的)?成交(?:日期|时间|日)?|逾期未成交|"
                      r"(?:逾期|延期|超期|拖期)(?:的)?(?:商机|单子|项目)|(?:商机|单子|项目)(?:已经)?(?:逾期|延期|超期)|滑单|该成交(?:的)?(?:还)?没成交", re.I)
# Words that say a deal is not closed yet ("还没成交", "not yet won"): no won stage is read inside them.
_NOT_CLOSED = re.compile(r"(?:还|仍|尚)?(?:没|未|没有)(?:能)?(?:成交|关单|签下|签约|赢单)|\bnot\s+(?:yet\s+)?(?:closed|won|signed)\b", re.I)

# A reason the user gives for a change: what follows "because", "since", "due to", "因为", "由于".
_REASON = re.compile(r"(?:\bbecause(?:\s+of)?|\bsince\b|\bdue to|\bas\s+(?=they|the|their|we|our|it)|因为|由于|原因是)"
                     r"[\s,，:：]*(.{3,}?)\s*$", re.I)


# The caller's own records, for an `owner` parameter.
# "my largest open deal": up to two words between (never "my team's deals": those are the unit's)
_OWN = re.compile(r"\b(?:my|mine)\s+(?!(?:team|unit|region|group|reps?)\b)(?:[a-z-]+\s+){0,2}(?:deals?|opportunit(?:y|ies)|pipeline)\b"
                  r"|\b(?:deals?|opportunities) of mine\b"
                  r"|\bany of mine\b|我(?:自己)?的(?:在途|进行中的?)?(?:商机|单子|订单|交易)"
                  # "我手上…的单子", "我在跟的商机": the deals in the caller's hands
                  r"|我(?:自己)?(?:手上|手里|手头|负责的|在跟的)[^，,。？?]{0,16}?(?:商机|单子|订单|交易)"
                  # "我手上到了方案阶段的有哪些", "我名下谈判中的": the caller's hands hold their own, noun or not
                  r"|我(?:自己)?(?:手上|手里|手头|名下)"
                  # "我这个月签了几单", "我今年赢了几单": the deals the caller closed, counted
                  r"|我(?!们)(?:自己)?(?:\s|今年|本月|这个月|本季度|这个季度|这季度|上个月|上季度|去年|上周|这周|本周|今天|"
                  r"昨天|最近|一共|总共|已经|都)*(?:签|赢|成交|拿下|丢|输)了?(?:几|多少)"
                  # "how many open deals do I have", "deals still open in my name", "我名下…的商机", "我还有几个单子"
                  r"|\b(?:deals?|opportunit(?:y|ies))\b[^.?!,]{0,30}?\b(?:(?:do|did|have|am)\s+I\b|in my name\b)"
                  # "everything I have in negotiation", "what have I got at proposal", "deals I'm holding", "anything I
                  # own": what the caller holds is theirs
                  r"|\b(?:what|everything|anything|all|whatever|deals?|opportunit(?:y|ies))\s+(?:that\s+)?I(?:'ve|'m|\s+have|\s+am)?"
                  r"\s+(?:got|have|own|hold|holding|carry|carrying|working\s+on)\b"
                  r"|\bwhat\s+(?:have|'ve|do)\s+I\s+(?:got|have|own|hold)\b"
                  # "the biggest deal I'm likely to close", "deals I could sign by Christmas": what the caller may close
                  r"|\b(?:deals?|opportunit(?:y|ies))\s+I(?:'m|\s+am)?\s+(?:(?:will|can|could|might|may|should|likely\s+to|"
                  r"still|probably|going\s+to|about\s+to|expect(?:ing)?\s+to|hope\s+to|want\s+to)\s+)*"
                  r"(?:close|closed|sign|signed|win|won|land|landed|book|booked)\b"
                  # "我最有可能签下的最大单子", "我能拿下的单子", "我金额最大的单子": the caller's own
                  r"|我(?:最)?(?:有可能|可能|能|会|要)?(?:签下|拿下|签|成交|关)的?[^，,。？?]{0,8}?(?:商机|单子|订单|交易)"
                  r"|我(?:的)?(?:金额)?最(?:大|小|高|低)的?(?:商机|单子|订单|交易)"
                  r"|我(?:现在|目前|还|一共|总共)?(?:有|名下)[^，,。？?]{0,12}?(?:商机|单子|订单)"
                  r"|我(?:进行中|在途|未成交|没成交|还没成交)的?(?:商机|单子|订单)"
                  # the activities the caller logged: "my calls", "which meetings did I have", "emails I sent",
                  # "我上周和九州商贸有哪些沟通", "我这个月打过的电话", "我本周记录的活动"
                  r"|\b(?:my|mine)\s+(?:[a-z-]+\s+){0,2}(?:calls?|meetings?|visits?|e-?mails?|notes?|activit(?:y|ies))\b"
                  r"|\b(?:calls?|meetings?|visits?|e-?mails?|notes?|activit(?:y|ies))\s+(?:did|have|had)\s+I\b"
                  r"|\b(?:calls?|meetings?|visits?|e-?mails?|notes?|activit(?:y|ies))\s+I(?:'ve|\s+have)?\s+"
                  r"(?:made|had|logged|sent|did|done|recorded|wrote|written)\b"
                  r"|我(?!们)(?:自己)?[^，,。？?]{0,8}?(?:和|跟|给|同)[^，,。？?]{0,12}?"
                  r"(?:打|拜访|见|聊|沟通|通话|发|记|联系|开会|会议)"
                  r"|我(?!们)(?:自己)?[^，,。？?和跟给同]{0,6}?(?:打过|打的|拜访过|拜访的|见过|发过|发的|记录的|记录了|记的|记了)")


# The caller's own accounts, for the `owner` of a list of accounts (slot `own_accounts`): "my customers", "my accounts",
# "我的客户", "我有哪些客户", "我负责的客户" (the deals' words above are read for a deal owner)
_OWN_ACCOUNTS = re.compile(r"\b(?:my|mine)\s+(?!(?:team|unit|region|group|reps?)\b)(?:[a-z-]+\s+){0,2}"
                           r"(?:accounts?|customers?|clients?)\b|\b(?:accounts?|customers?|clients?) of mine\b"
                           r"|我(?!们)(?:自己)?(?:的|有哪些|有几个|负责的|手上的|名下的?|跟的)(?:老|大)?(?:客户|账户)")


# A colleague named as the accounts' owner: right before them ("Wang Fang's accounts", "王芳负责的客户") or after
# ("accounts owned by Wang Fang", "customers of Wang Fang")
_THEIR_ACCOUNTS = re.compile(r"(?:'s|’s)?\s+(?:[a-z-]+\s+){0,2}(?:accounts?|customers?|clients?)\b|"
                             r"\s*(?:的|负责的|名下的?|手上的|手里的|跟的)(?:老|大)?(?:客户|账户)", re.I)
_ACCOUNTS_OF = re.compile(r"\b(?:accounts?|customers?|clients?)\s+(?:owned\s+by|managed\s+by|held\s+by|of|that)\s+$",
                          re.I)


def names_own_deals(text: str) -> bool:
    """Whether `text` speaks of the caller's own deals ("the biggest open deal I have", "我手上最大的单子")."""
    return bool(_OWN.search(text))


def _fill_one(p: Param, reading: Reading, out: Filling, command_words: frozenset[str], answering: bool,
              late: bool = False) -> None:
    kind, many = kind_of(p), p.type == "array"
    if kind == "entity":
        matches = [m for m in reading.entities(p.entity) if _free(Span(m.start, m.end), out.used)]
        if matches and matches[0].ambiguous and not late and not matches[0].exact:
            return  # settled in the late pass, once enum words and values have claimed their words
        if matches and matches[0].ambiguous and not many:
            out.ambiguous.append((p, matches[0]))
            out.used.append(Span(matches[0].start, matches[0].end))
            return
        picked = [m for m in matches if not m.ambiguous][: None if many else 1]
        own = _OWN.search(reading.text) if not picked and p.name == "owner" else None
        if own:
            out.args[p.name] = "me"  # "my deals", "deals of mine", "我的商机", a list of "my accounts": the caller's own
            out.filled.append(Filled(p.name, "me", own.group(0), "entity"))
            return
        if not picked and p.entity == "unit" and own_units(reading.text):
            out.args[p.name] = "mine"  # "my team", "我们区": the asker's own units, resolved from who asks
            out.filled.append(Filled(p.name, "mine", own_units(reading.text), "entity"))
            return
        if not picked and p.entity == "unit" and our_side(reading.text):  # "how many deals did we win": the
            out.args[p.name] = "mine"  # asker's team, as a figure of the metric layer would be
            out.filled.append(Filled(p.name, "mine", our_side(reading.text), "entity"))
            return
        if picked:
            value = [m.canonical for m in picked] if many else picked[0].canonical
            for m in picked:
                out.used.append(Span(m.start, m.end))
            out.args[p.name] = coerce(p, value)
            out.filled.append(Filled(p.name, out.args[p.name], ", ".join(m.text for m in picked), "entity"))
        return
    if kind == "enum":
        outcomes, marked = prospective()  # "本月要成交的商机": deals still to win, not won ones
        hits = [f for f in reading.enum_words(p.enum or p.item_enum) if _free(f.span, out.used)
                and not (f.value in outcomes and marked.search(reading.text[max(0, f.start - 16):f.start].lower()))]
        if hits and many:
            _put(out, p, list(dict.fromkeys(f.value for f in hits)), hits, "enum")
        elif hits:  # "from proposal to negotiation", "推到报价阶段": the value after "to" is the one meant
            target = [f for f in hits if _TARGET_CUE.search(reading.text[max(0, f.start - 8):f.start])]
            best = (target or hits)[-1 if target else 0]
            _put(out, p, best.value, best, "enum")
        return
    if kind == "competitor":  # read from how the message introduces it: "竞品XX降价了", "HubSpot quoted …"
        known = [Span(m.start, m.end) for m in reading.all_entities()]
        taken = [*out.used, *known, *reading.calendar_and_percent_spans, *(f.span for f in reading.amounts)]
        products = [Span(m.start, m.end) for m in reading.entities("product")]
        named = find_competitors(reading.text, taken, products)
        if named:
            _put(out, p, named[0].value, named[0], "competitor")
        return
    if kind == "open_deals":  # "how many open deals do I have": only deals not won or lost
        said = _OPEN_DEALS.search(reading.text)
        if said:
            _put(out, p, True, Found(True, said.start(), said.start(), said.group(0)), kind)  # its words stay free
        return
    if kind == "slipped":  # "deals that slipped past their close date": open, expected close already past
        said = _SLIPPED.search(reading.text)
        if said:  # its words may hold a "not closed" (逾期未成交), set aside from the stage already
            _put(out, p, True, Found(True, said.start(), said.end(), said.group(0)), kind)
        return
    if kind == "deal_id":  # "what's the close date of D-2017?": that deal (the tool says if it is out of scope)
        typed = _DEAL_ID.search(reading.text)
        if typed and _free(Span(typed.start(), typed.end()), out.used):
            _put(out, p, f"D-{typed.group(1)}", Found(typed.group(0), typed.start(), typed.end(), typed.group(0)), kind)
        return
    if kind == "reason":  # only what the user gives as the reason: "… because they added a second site"
        said = _REASON.search(reading.text)
        if said and said.group(1).strip() and _free(Span(said.start(1), said.end(1)), out.used):
            value = said.group(1).strip(" .。!！")
            _put(out, p, value, Found(value, said.start(1), said.end(1), said.group(1)), kind)
        return
    if kind == "list_order":  # "my biggest open deals": how to order the list (it makes no tool fit better)
        said = [f for f in find_orders(reading.text, p.enum) if _free(f.span, out.used)]
        if said:
            _put(out, p, said[0].value, said[0], kind)
        return
    if kind == "list_count":  # "my top 3 deals", "金额最大的三个商机": how many to list (it makes no tool fit better)
        count = find_count(reading.text)
        if count and _free(count.span, out.used):
            _put(out, p, count.value, count, kind)
        return
    if kind == "own_accounts":  # "my customers", "我有哪些客户": the caller's own; a colleague's name is a cue only
        own = _OWN_ACCOUNTS.search(reading.text)  # said as the accounts' owner ("Wang Fang's accounts", "王芳的客户";
        if own:  # a rep's name alone asks about their deals or figures)
            out.args[p.name] = "me"
            out.filled.append(Filled(p.name, "me", own.group(0), kind))
            return
        for m in reading.entities("user"):
            if not m.ambiguous and _free(Span(m.start, m.end), out.used) and \
                    (_THEIR_ACCOUNTS.match(reading.text, m.end) or _ACCOUNTS_OF.search(reading.text[:m.start])):
                out.used.append(Span(m.start, m.end))
                out.args[p.name] = m.canonical
                out.filled.append(Filled(p.name, m.canonical, m.text, kind))
                return
        return
    if kind == "days_ahead":  # "tasks due in the next 3 days", "这周的待办": due within that many days from today
        ahead = [f for f in find_days_ahead(reading.text, reading.today) if _free(f.span, out.used)]
        if ahead:
            _put(out, p, ahead[0].value, ahead[0], kind)
        return
    if kind == "idle_days":  # "no activity in the last three weeks": how long idle, so no period reads those words
        idle = [f for f in find_idle_days(reading.text) if _free(f.span, out.used)]
        if idle:
            _put(out, p, idle[0].value, idle[0], kind)
        return
    pools = {"period": reading.periods, "date": reading.dates, "percent": reading.percents,
             "amount": reading.amounts, "integer": reading.integers}
    if kind in pools:
        candidates = [f for f in pools[kind] if _free(f.span, out.used)]
        candidates.sort(key=lambda f: -f.strength)  # marked amounts before bare numbers
        if candidates:
            value = candidates[0].value
            if kind == "date" and _AHEAD.search(p.description or "") and not re.search(r"\d{4}", candidates[0].surface):
                value = _ahead(value, reading.today)  # "delivery promised for 15 January": the next 15 January
                value = _next_week_if_today(value, candidates[0].surface, reading.today)
            elif kind == "date" and _PAST.search(p.description or ""):  # "met them on Monday": the Monday just past
                value = _last_week_if_ahead(value, candidates[0].surface, reading.today)
            _put(out, p, value, candidates[0], kind)
        return
    if kind == "free_text" or (p.type == "string" and p.required and not p.enum):
        if answering:  # the reply to "What should the note say?" is the note, as written
            text, explicit = _join(_pieces(reading.text, out.used)).strip(" .。!！"), True
        else:
            # the day and period read for the tool's own arguments are its when, not part of its what
            when = [f.span for f in (*reading.dates, *reading.periods) if not _free(f.span, out.used)]
            said = _blank(reading.text, out.against)  # "…, but keep the service updates" is not what changes
            text, explicit = free_text(said, out.used, command_words, when)
            # said at length, even if the day leaves only "call": "remind me to call Hannah Brown on Friday"
            explicit = explicit or bool(when and _enough(free_text(said, out.used, command_words)[0], True))
            if when and not (explicit or _enough(text, long=not p.required)):  # "昨天拜访了北辰医疗器械": nothing
                # left but the day and the name, so the sentence is what was done, its day still read for the day
                text = free_text(said, [u for u in out.used if u not in when], command_words)[0]
            text = without_join(text) if out.against else text
        if text and (explicit or _enough(text, long=not p.required)):
            out.args[p.name] = coerce(p, text)
            out.filled.append(Filled(p.name, text, text, "free_text"))


def _blank(text: str, spans: list[Span]) -> str:
    """`text` with `spans` blanked out, every other position kept."""
    for span in spans:
        text = text[:span.start] + " " * (span.end - span.start) + text[span.end:]
    return text


def _put(out: Filling, p: Param, value: Any, found: Found | list[Found], how: str) -> None:
    found_list = found if isinstance(found, list) else [found]
    try:
        out.args[p.name] = coerce(p, value)
    except (TypeError, ValueError):
        return
    out.used.extend(f.span for f in found_list)
    out.filled.append(Filled(p.name, out.args[p.name], ", ".join(f.surface for f in found_list), how))


def _free(span: Span, used: list[Span]) -> bool:
    return not any(span.overlaps(u) for u in used)


def _first_free(found: list[Found], used: list[Span]) -> Found | None:
    return next((f for f in found if _free(f.span, used)), None)


def _whole_answer(text: str) -> Found | None:
    """A short reply such as "initech" or "客户是星河" taken whole as the answer to a question."""
    value = _FILLER.sub("", text.strip())
    value = _FILLER.sub("", value).strip()
    if 2 <= len(value) <= 60 and len(value.split()) <= 6:
        start = text.find(value)
        return Found(value, max(start, 0), max(start, 0) + len(value), value, 1)
    return None


def _enough(text: str, long: bool) -> bool:
    """Whether leftover text is content: an optional note needs more than a required case text does."""
    cjk, words = len(CJK_CHAR.findall(text)), len(re.findall(r"[A-Za-z0-9]+", text))
    said = words + cjk / 1.5  # a mixed sentence counts both: "send 梁杰 the contract"
    return said >= 4 if long else said >= 2


def free_text(text: str, used: list[Span], command_words: frozenset[str],
              anywhere: list[Span] | tuple[Span, ...] = ()) -> tuple[str, bool]:
    """The message minus the values already read and the leading command words ("log a call with"),
    and whether the user marked it off explicitly (after a colon, or in quotes). Values in `anywhere` go
    wherever they stand ("call Mark next Tuesday about the renewal": the day is an argument of its own)."""
    after_colon = re.split(r"[:：]", text, maxsplit=1)
    if len(after_colon) == 2 and len(after_colon[1].strip()) >= 2:
        return after_colon[1].strip(), True
    quoted = re.search(r"[\"“「『]([^\"“”「」『』]{3,})[\"”」』]", text)
    if quoted and _free(Span(quoted.start(1), quoted.end(1)), used):
        return quoted.group(1).strip(), True
    first_word = len(text) - len(text.lstrip())
    starts_with_value = any(u.start <= first_word for u in used)
    # Names and values inside the user's sentence stay in it ("Just got off the phone with Hannah Brown"): only
    # those in the leading command ("log a call with Acme,") go.
    lead = _leading_end(text, used, command_words)
    text = _TRAILING_COMMAND.sub("", text)
    leading = [u for u in used if (u.start < lead or u in anywhere) and u.end <= len(text)]
    kept = _trim(_join(_pieces(text, leading)), command_words, starts_with_value)
    # what follows "about" / "关于" is what the user says it is about, however short: "… about the renewal"
    at = text.rfind(kept) if kept else -1
    return kept, at > 0 and bool(_TOPIC_MARK.search(text[:at])) and kept.lower().strip(" .!?。！？") not in _NO_TOPIC


_NO_TOPIC = frozenset("it that this them him her something stuff things 这个 那个 这事 那件事 一下".split())
# "… about the renewal", "regarding pricing", "关于续约", "讨论续约": the words after them are the topic, as said
_TOPIC_MARK = re.compile(r"(?:\b(?:about|regarding|concerning|re)\s+(?:the\s+|a\s+|an\s+|our\s+|their\s+|its\s+)?"
                         r"|(?:关于|讨论了?|聊了|谈了|沟通了)\s*)$", re.I)


_CLAUSE_BREAKS = frozenset({",", "，", ";", "；", "、"})  # after a command word, a clause break ends the command
_TOKEN = re.compile(r"[A-Za-z0-9][\w'-]*|[\u3400-\u9fff]|[^\s\w]")
# "…, note it" / "…，记一下" at the end asks to record; it is not part of what is recorded.
_TRAILING_COMMAND = re.compile(
    r"(?:[,，;；:：\-–—]\s*|\s+)(?:(?:please|pls|can you|could you)\s+)?(?:note (?:it|that)(?: down)?|log (?:it|that)|"
    r"write (?:it|that) down|(?:open|raise|file) an? (?:ticket|case)(?: for (?:it|them))?|帮我记一下|记一下|记下来|记录一下|"
    r"帮我记下|(?:帮|给)?(?:他们|我)?开(?:个|一个)工单)\s*[.!。！]*\s*$", re.I)


def _leading_end(text: str, used: list[Span], command_words: frozenset[str]) -> int:
    """Where the leading command ends: command words, connectors, punctuation and values read from them, up to the
    first clause break after a command word ("log a call with Acme, they want a pilot": not past the comma)."""
    end, tokens, i, commanded = 0, list(_TOKEN.finditer(text)), 0, False
    while i < len(tokens):
        t, tok = tokens[i], tokens[i].group(0).lower()
        if commanded and tok in _CLAUSE_BREAKS:
            return t.end()
        commanded = commanded or tok in command_words or (
            i + 1 < len(tokens) and bool(CJK_CHAR.match(tok)) and tok + tokens[i + 1].group(0) in command_words)
        span = next((u for u in used if u.start <= t.start() < u.end), None)
        if span is not None:
            end = span.end
            while i < len(tokens) and tokens[i].start() < span.end:
                i += 1
            continue
        pair = tok + tokens[i + 1].group(0) if i + 1 < len(tokens) and CJK_CHAR.match(tok) else ""
        if pair and pair in command_words:
            n = _command_run([x.group(0).lower() for x in tokens[i:i + 8]], command_words)
            end, i = tokens[i + n - 1].end(), i + n
            continue
        if tok in command_words and i + 1 < len(tokens) and tokens[i + 1].group(0).lower() in _PARTICLES:
            end, i = tokens[i + 1].end(), i + 2  # "set up", "put in": the command with its particle
            continue
        if (tok in command_words or tok in _CONNECTORS or tok in _LATIN_CONNECTORS or tok in _LEADING_CJK
                or not (tok[0].isalnum() or CJK_CHAR.match(tok))):
            end, i = t.end(), i + 1
            continue
        break
    return end


def _command_run(chars: list[str], command_words: frozenset[str]) -> int:
    """How many characters from the start of `chars` (which begin with a command pair) are command: a pair never
    ends inside a word its second character starts ("我同" of "我同意"): the word goes with it when it is a command
    word too ("我同意" whole), else only the first character is command. Never "意你们…"."""
    word = "".join(chars[1:3])
    if len(chars) < 3 or word not in _WORDS_STARTING_LIKE_A_PREPOSITION:
        return 2
    return 3 if word in command_words and not _NEGATIONS & set(word) else 1


def _pieces(text: str, used: list[Span]) -> list[str]:
    """The text around the `used` spans; a preposition left dangling before a removed value goes with it ("call
    Sarah back on Thursday about the renewal": "call Sarah back about the renewal", not "back on about")."""
    pieces, pos = [], 0
    for span in sorted(used, key=lambda s: s.start):
        pieces.append(_DANGLING_PREPOSITION.sub("", text[pos:span.start]))
        pos = max(pos, span.end)
    pieces.append(text[pos:])
    return pieces


_DANGLING_PREPOSITION = re.compile(r"(?<=\w)\s+(?:on|at|by|before|until)\s*$", re.I)


def _join(pieces: list[str]) -> str:
    """The pieces as one text: Chinese runs glued, a space wherever Latin words meet or the user left one
    ("call 陈静 about the renewal" keeps its spaces; "给王芳打电话" none)."""
    out, spaced = "", False
    for raw in pieces:
        piece = raw.strip()
        if not piece:
            spaced = spaced or bool(raw)
            continue
        spaced = spaced or raw[:1].isspace()
        both_cjk = out and CJK_CHAR.match(out[-1]) and CJK_CHAR.match(piece[0])
        glue = "" if not out or both_cjk or (not spaced and (CJK_CHAR.match(out[-1]) or CJK_CHAR.match(piece[0]))) else " "
        out += glue + piece
        spaced = raw[-1:].isspace()
    return out.strip()


def _trim(text: str, command_words: frozenset[str], after_value: bool) -> str:
    """Drop leading command words ("log a call with") and dangling connectors; keep the user's own words,
    their sentence punctuation included. Connectors such as "with" go only after a dropped word or value."""
    tokens = list(re.finditer(r"[A-Za-z0-9][\w'-]*|[\u3400-\u9fff]|[^\s\w]", text))
    lowered = [t.group(0).lower() for t in tokens]

    def command(i: int) -> int:  # how many tokens at i are a command word (never a negation: "我不想…")
        tok = lowered[i]
        if tok in _NEGATIONS:
            return 0
        if CJK_CHAR.match(tok):
            pair = tok + lowered[i + 1] if i + 1 < len(tokens) else ""
            if pair in command_words and not _NEGATIONS & set(pair):
                return _command_run(lowered[i:i + 8], command_words)
            return 1 if tok in command_words else 0
        stem = tok[:-1] if len(tok) > 3 and tok.endswith("s") else tok
        if tok not in command_words and stem not in command_words:
            return 0
        return 2 if i + 1 < len(tokens) and lowered[i + 1] in _PARTICLES else 1  # "set up a follow-up"

    def connector(i: int) -> bool:
        tok = lowered[i]
        return tok in _CONNECTORS or tok in _LATIN_CONNECTORS or not (tok[0].isalnum() or CJK_CHAR.match(tok))

    def word_ahead(i: int) -> bool:  # "跟进", "对接": a verb that starts like a preposition is no connector
        return "".join(lowered[i:i + 2]) in _WORDS_STARTING_LIKE_A_PREPOSITION

    start, end, dropped, commanded = 0, len(tokens), after_value, False
    while start < end:
        if word_ahead(start):
            break
        said = command(start)
        opener = start == 0 and lowered[0] in _OPENERS  # "and set a reminder…", "also log…": the turn's opening word
        n = said or (1 if (dropped and connector(start)) or opener or lowered[start] in _LEADING_CJK else 0)
        if not n:
            break
        if commanded and lowered[start] in _CLAUSE_BREAKS:  # "log a call with Acme, they want a pilot": the command
            start += 1  # ends at the comma; what follows is what was said, whatever words the examples repeat
            break
        start, dropped, commanded = start + n, True, commanded or bool(said)
    while end > start and ((lowered[end - 1] in _DANGLING_CJK
                            and "".join(lowered[max(start, end - 2):end]) not in _WORDS_ENDING_LIKE_A_PREPOSITION)
                           or lowered[end - 1] in _LATIN_CONNECTORS
                           or lowered[end - 1] in (",", "，", ";", "；", ":", "：", "、", "-")):
        end -= 1
    return text[tokens[start].start():tokens[end - 1].end()].strip() if start < end else ""
