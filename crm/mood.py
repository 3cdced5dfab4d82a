"""The mood of a message: a request, a question, a hypothetical, a rule described in words or a prohibition.

Only a request may write. A question may be answered by a tool that reads ("what's open with Acme?") or by a
plain explanation; a hypothetical ("what happens if I delete my account?") and a rule in words ("当竞品降价超5%…时")
are explained, never carried out. Polite requests that look like questions ("can you log…", "能帮我查一下…吗？")
stay requests."""
from __future__ import annotations

import re
from enum import Enum


class Mood(str, Enum):
    REQUEST = "request"
    QUESTION = "question"
    HYPOTHETICAL = "hypothetical"
    RULE = "rule"
    PROHIBITION = "prohibition"  # "don't log this", "先别推到谈判": the write it names is the one forbidden

    @property
    def may_write(self) -> bool:
        return self is Mood.REQUEST


# "can you / could you / please / 帮我 / 麻烦": asking someone to do it, whatever the punctuation.
_POLITE_EN = re.compile(
    r"\b(?:can|could)\s+(?:you|u|ya)\s+(?:please\s+|pls\s+)?(?!tell\b|explain\b|say\b|confirm\b|let\s+me\s+know\b)"
    r"|\bwould\s+you\s+(?:mind|please)\b|^\s*(?:please|pls|kindly)\b|\bplease\s*[?!.]*\s*$", re.I)
_POLITE_ZH = re.compile(r"帮我|帮忙|麻烦|请你|请帮|给我(?:看|查|列|找|出|导|发|记|开|改)|替我"
                        # "能不能帮…": asking Tessera; "我可不可以帮客户申请…": whether the speaker may, a question
                        r"|(?<![我们不])(?:能不能帮|可以帮|可不可以帮|能否帮)"
                        # "能派人来修吗", "可以安排工程师上门吗": asking for someone to be sent, not whether one may
                        r"|(?:能|可以|能不能|可不可以|能否)(?:尽快)?(?:派|安排)(?:人|个人|工程师|技术|师傅)"
                        # "能把我的手机号改成…吗": asking Tessera to act on something (a 把/将 object), not asking
                        # whether the speaker may ("我能删除别人的备注吗？" stays a question)
                        r"|^\s*(?:你)?(?:能|可以|能不能|可不可以|能否|可否)(?:把|将)")
# A condition with a consequence: a rule or a what-if, not an order.
_HYPOTHETICAL_EN = re.compile(
    r"\bwhat\s+(?:happens|would\s+happen|will\s+happen|if)\b|\bwhat'?s\s+the\s+(?:impact|effect|consequence)"
    r"|\bif\s+(?:i|we|you|my|our|they|the|a|an)\b.*\b(?:would|will|could|can|does|do|is|are|happen)\b"
    r"|\bwould\s+(?:it|that|deleting|erasing|removing|a|an|the)\b|\bwhat\s+would\b|\bsuppose\b|\bhypothetically\b"
    r"|^\s*(?:does|do|will|would|can|could|should)\s+(?!you\b|u\b)\w+ing\b",  # "does moving a deal to won …?"
    re.I)
_HYPOTHETICAL_ZH = re.compile(r"(?:如果|假如|假设|要是|万一|若是|倘若).*(?:会|怎么样|怎样|如何|吗|呢|？|\?|影响|还能|能不能)"
                              r"|(?:以后|之后|后)还(?:能|可以|会)|会不会(?:影响|导致|通知|删除)")
_RULE_EN = re.compile(r"\b(?:whenever|every time|each time)\b|\bif\b.+\bthen\b|\bwhen\b.+\b(?:automatically|always)\b",
                      re.I)
_RULE_ZH = re.compile(r"当.{1,40}(?:时|的时候)|每当|只要.{1,30}就|一旦.{1,30}就"
                      r"|(?:超过|大于|小于|低于|高于).{0,20}(?:且|并且|而且).{0,30}(?:时|就|则)")
# Asking to see something ("show me…", "看一下…"): answered by reading, like a question. A sentence that goes on to
# ask for an action ("…, then move it to won", "…然后推进到谈判") is left to the other rules.
_LOOK_EN = re.compile(r"^\s*(?:please\s+|can\s+you\s+|could\s+you\s+)?(?:show(?:\s+me)?|list|look\s+(?:at|up)|"
                      r"pull\s+up|let\s+me\s+see|display)\b", re.I)
_LOOK_ZH = re.compile(r"^\s*(?:请|帮我|麻烦)?(?:看一下|看一看|看看|查一下|查查|查看|列出|列一下|显示|调出|给我看)"
                      r"|给我(?:看|瞧|列)|让我看")  # "…没关的工单给我看下": to see, wherever it is said
_THEN_ACT = re.compile(r"\bthen\b|\band\s+(?:then\s+)?(?:log|move|mark|set|update|change|create|add|close|open)\b"
                       r"|然后|再(?:把|帮|给|记|改|推)|并且?(?:把|记|改|推)", re.I)
# Saying not to do a write ("don't log this", "no need to log it", "hold off on moving…", "不用记了", "先别推到谈判",
# "别删我的资料"): the action the clause names is forbidden. Only verbs of what Tessera writes count: "don't send me
# offers" or "别再用我的数据" ask for a consent to be withdrawn, and "don't forget to log…" / "别忘了记" ask for the log.
_WRITE_VERBS_EN = ("log record note write save enter add create open file move push mark change update close delete erase "
                   "remove wipe revoke withdraw cancel grant approve reject decline book request submit promote publish revert "
                   "rollback").split() + [r"roll(?:s|ed|ing)?\s+back"]


def _forms(verb: str) -> str:
    """A verb and its -s, -ed and -ing forms ("move", "moves", "moved", "moving"; "log", "logged", "logging")."""
    if not verb.isalpha():  # already a pattern ("roll back")
        return verb
    stem = verb[:-1] if verb.endswith("e") else verb
    double = verb + verb[-1] if re.fullmatch(r"[^aeiou]*[aeiou][bdglmnprt]", verb) else verb  # log → logged
    return rf"{verb}|{verb}s|{verb}d|{verb}ed|{double}ed|{stem}ing|{double}ing"


_WRITE_VERB_EN = "(?:" + "|".join(_forms(v) for v in _WRITE_VERBS_EN) + ")"
_PROHIBIT_EN = re.compile(
    r"^(?:(?:please|pls|ok|okay|but|and|so|just|oh|also|for\s+now|actually)[,]?\s+)*"
    r"(?:don'?t|do\s+not|never|no\s+need\s+to|there'?s\s+no\s+need\s+to|(?:you\s+)?(?:don'?t|do\s+not)\s+(?:need|have)\s+to"
    r"|(?:i|we)\s+(?:wouldn'?t|would\s+not|shouldn'?t|should\s+not)|let'?s\s+not|hold\s+off(?:\s+on)?|refrain\s+from)\s+"
    r"(?:(?:yet|ever|even|bother(?:\s+to)?|please|actually|go\s+ahead\s+and)\s+)*" + _WRITE_VERB_EN + r"\b"
    r"|(?:^|\s)no\s+need\s+to\s+" + _WRITE_VERB_EN + r"\b"
    # "I don't want my account deleted": the thing, then the write done to it ("…my data used for AI" is no write)
    r"|^(?:(?:but|and|so|just|actually)\s+)*(?:i|we)\s+(?:don'?t|do\s+not)\s+want\s+(?:[\w'-]+\s+){1,4}?"
    + _WRITE_VERB_EN + r"\b", re.I)
_WRITE_VERB_ZH = (r"(?:记|录入|登记|写|存|保存|新建|创建|开|提交|申请|改|修改|更新|推|移|标|关|删|清除|撤回|撤销|取消|批|拒绝|驳回"
                  r"|回滚|发布|上线)")
# (not the asking form "要不要申请", "用不用记", "需不需要改": a question)
_PROHIBIT_ZH = re.compile(r"(?:(?<!要)不要|别|(?<!用)不用|不必|无需|无须|没必要|甭|(?<!需)不需要)(?:再|先|急着|着急|马上|现在|去|帮我|给我|替我)?"
                          r"(?:把.{1,30}?)?" + _WRITE_VERB_ZH)
# A verb of its own: in lower case inside a sentence, in any case at its start ("Log it"), but not a name's first
# word ("Mark Taylor").
_ACTION = re.compile(r"(?i:^\s*" + _WRITE_VERB_EN + r"\b)(?!\s+[A-Z][a-z])|\b" + _WRITE_VERB_EN + r"\b|" + _WRITE_VERB_ZH)
# Words that report what someone else said ("he said don't change the date", "周婷说不要改交付日期"): what follows is
# the content of a note, not an order to Tessera.
# A third person before the negation ("他们不要改方案了") is their wish, reported too.
_REPORTED = re.compile(r"\b(?:said|says|say|told|tells|asked|asks|wants|wanted|mentioned|wrote|insisted|requested)\b"
                       r"|说|表示|要求|希望|提到|嘱咐|让我们|叫我们|交代|他|她|客户|对方", re.I)
_CLAUSES = re.compile(r"[,，;；。.!！?？\n]+")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|‘[^’]*’|「[^」]*」|(?<!\w)'[^']*'(?!\w)")


def _forbidding(clause: str) -> bool:
    found = _PROHIBIT_EN.search(clause) or _PROHIBIT_ZH.search(clause)
    return bool(found) and not _REPORTED.search(clause[: found.start()])


def _own_words(text: str) -> str:
    """The user's own words: what comes after a colon or stands in quotes is content ("log a call: he asked us not
    to…"), not what the user asks."""
    return re.split(r"[:：]", _QUOTED.sub(" ", text), maxsplit=1)[0]


def forbids_a_write(text: str) -> bool:
    """Whether `text` tells Tessera not to do a write, in one of its own clauses (`_own_words`); a clause reporting
    someone's words is not an order."""
    return any(_forbidding(clause.strip()) for clause in _CLAUSES.split(_own_words(text)))


# A request taken back in the same message ("mark D-2056 as won? no wait, don't", "move it to negotiation. actually,
# never mind", "推到谈判阶段，算了"): the last clause takes back what the ones before asked.
_TAKEN_BACK = re.compile(
    r"[,.;!?，。；！？]\s*(?:(?:no|nah|oh|hmm|wait|actually|sorry|on\s+second\s+thought|hold\s+on)[,!.\s]+)*"
    r"(?:don'?t|do\s+not|never\s*mind|forget\s+(?:it|that)|scratch\s+that|cancel\s+that|ignore\s+that|not\s+yet|leave\s+it)"
    r"(?:\s+(?:do\s+it|do\s+that|yet|for\s+now|after\s+all))?\s*[.!]*\s*$"
    r"|[，。；！？,.!?]\s*(?:等等|等一下|哦)?[，,]?(?:还是)?(?:算了|不用了|别了|先不要了|不要了|先别了|先别)(?:吧)?[。！!.]*\s*$", re.I)


def takes_it_back(text: str) -> bool:
    """Whether the message ends by taking back the request it made ("…? no wait, don't", "…，算了"), in its own words
    (`_own_words`: "log a call: they said never mind" is a note)."""
    text = _own_words(text)
    found = _TAKEN_BACK.search(text)
    return bool(found) and bool(text[:found.start()].strip())


def names_an_action(text: str) -> bool:
    """Whether `text` names a write of its own ("log it", "改成谈判"), rather than only answering which one ("the
    first one", "Acme Robotics", "第二个")."""
    return bool(_ACTION.search(text))


def _besides_the_prohibition(text: str) -> str:
    """The message without its forbidding clauses ("不要删除我的数据，我只是想知道你们存了什么" → the question)."""
    return "，".join(c for c in _CLAUSES.split(text) if c.strip() and not _forbidding(c.strip()))


# Interrogative form.
_WH_EN = re.compile(r"^\s*(?:(?:hey|hi|ok|okay|so|and|also|oh|well|um|quick one|quick question)[,!:-]?\s+)*"
                    r"(?:what|what's|whats|how|how's|why|when|where|who|who's|whom|whose|which|is|are|am|was|were|"
                    r"do|does|did|can|could|should|may|might|would|isn't|aren't|doesn't|wouldn't)\b(?!\s+not\b)",
                    re.I)
_QUESTION_ZH = re.compile(r"[吗呢][\s？?。!！]*$|(?:行不行|成不成|可以不)[\s？?。!！]*$|什么|会不会|是不是|能不能|可不可以|有没有|要不要|用不用|该不该|需不需要|怎么|怎样|如何|为什么|为啥|哪|谁|多少|几[个次家天]|是否|能否|可否")
# Asking whether something can be done ("am I able to get my data deleted?", "我能不能申请删除…"): a question about
# that action, answered by explaining it, not by the nearest tool that reads.
_WHETHER_POSSIBLE = re.compile(
    r"^\s*(?:am\s+i|are\s+we|would\s+(?:i|we)\s+be)\s+(?:able|allowed)\s+to\b|^\s*is\s+it\s+possible\b"
    r"|^\s*(?:can|could|may)\s+(?:i|we)\s+(?:get|have|ask|request|make)\b"
    r"|^\s*我(?:们)?(?:能|可以|能不能|可不可以|能否|是否可以|有没有办法)(?:要求|申请|让你们|请你们)", re.I)


# Asking whether to do something oneself ("should I log the call myself?", "需要我自己记录吗？"): a question about
# that action, answered by explaining it, not by the nearest tool that reads.
_WHETHER_TO = re.compile(
    r"^\s*(?:should|shall|must|do|would)\s+(?:i|we)\s+(?:(?:need|have|want)\s+to\s+|still\s+|also\s+)?"
    r"(?:log|record|note|write|enter|file|report|request|submit|move|mark|close|update|add)\b"
    r"|(?:需要|要不要|用不用|该不该|是否需要|是不是要|还要|必须)(?:我)?(?:们)?(?:自己|手动|再|单独|另外)?(?:把.{1,12}?)?"
    r"(?:记录|记一下|记下|记|登记|录入|填写|填|申请|提交|上报|更新|修改|改|标|推)", re.I)


def asks_whether_to(text: str) -> bool:
    """Whether `text` asks if the speaker should do an action themselves (a question about it, never an order)."""
    return bool(_WHETHER_TO.search(text)) and mood_of(text) is Mood.QUESTION


def goes_on_to_act(text: str) -> bool:
    """Whether `text` asks for an action after what it names ("find Acme's largest deal and move it to won")."""
    return bool(_THEN_ACT.search(text))


# Asking for permission to do something ("can I give Globex 8% off?", "给个8%的折扣可以吗"): a question that a tool
# trying the action out answers (a discount checked against the contract), nothing done.
_MAY_I = re.compile(
    r"^\s*(?:can|could|may)\s+(?:i|we)\b|\b(?:is\s+(?:it|that)|would\s+(?:it|that)\s+be)\s+(?:ok|okay|fine|allowed)\b"
    r"|\bam\s+i\s+allowed\b|(?:可以吗|可不可以|能不能|能否|允许吗|批得下来吗|批得了吗|行不行|成不成|可以不[\s？?。]*$)"
    r"|(?<![你您们他她它])(?:可以|能)[^\s，,。？?！!]{1,6}吗"  # "手机号可以换吗", "能改一下吗": the verb inside
    # "我能给凯旋物流申请折扣吗": the speaker opens with whether they may, however long what they name
    r"|^\s*我(?:们)?(?:能|可以|能够)(?!不)[^，,。？?！!]{1,24}?吗[\s？?。!！]*$", re.I)


def asks_permission(text: str) -> bool:
    """Whether `text` asks if the speaker may do an action (a question, never an order)."""
    return bool(_MAY_I.search(text)) and mood_of(text) is Mood.QUESTION


def asks_whether_possible(text: str) -> bool:
    """Whether `text` asks if an action can be done (a question about doing it, never an order to)."""
    return bool(_WHETHER_POSSIBLE.search(text)) and mood_of(text) is Mood.QUESTION


def mood_of(text: str) -> Mood:
    """How `text` is meant; only `Mood.REQUEST` may lead to a tool that writes."""
    body = text.strip()
    if not body:
        return Mood.REQUEST
    if _RULE_ZH.search(body) or _RULE_EN.search(body):
        return Mood.RULE
    if _HYPOTHETICAL_ZH.search(body) or _HYPOTHETICAL_EN.search(body):
        return Mood.HYPOTHETICAL
    if takes_it_back(body):  # "mark D-2056 as won? no wait, don't": nothing is asked any more
        return Mood.PROHIBITION
    if forbids_a_write(body):  # before the polite forms: "please don't open a ticket"
        rest = _besides_the_prohibition(body)  # "…, just tell me what you have?" still asks, and is read
        return Mood.QUESTION if rest and mood_of(rest) is Mood.QUESTION else Mood.PROHIBITION
    if (_LOOK_ZH.search(body) or _LOOK_EN.search(body)) and not _THEN_ACT.search(body):
        return Mood.QUESTION  # "看一下和吴刚的会议": to see, not to log
    if _POLITE_ZH.search(body) or _POLITE_EN.search(body):
        return Mood.REQUEST
    if body.rstrip().endswith(("?", "？")) or _WH_EN.search(body) or _QUESTION_ZH.search(body):
        return Mood.QUESTION
    return Mood.REQUEST
