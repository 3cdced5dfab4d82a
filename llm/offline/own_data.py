"""A customer's message about their own data, read for what decides between the privacy tools: a new value given
(an e-mail address, a phone number, "my title should read …", "职位现在是…") is a correction, whatever example it
sounds nearer ("new mobile: +86 186 …" is no consent); a question of where something came from ("是从哪儿录进去的")
asks for the source, not for the whole record."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from crm.data_files import read_yaml
from crm.mood import Mood, mood_of
from crm.privacy.erasure import UnclearRequest, scope_from_text
from crm.privacy.identifiers import EMAIL, PHONE, find_values
from crm.privacy.taxonomy import covers, default_taxonomy
from crm.services.moves import moved_to
from crm.services.subjects import read_correction
from llm.offline import context, contrast, cues
from llm.offline.arguments import Filled, Filling
from llm.offline.messages import Turn
from llm.offline.schema import ToolView

FIT_VALUE_GIVEN = 0.06  # on the similarity score: a correction carrying its new value
FIT_MOVED = 0.1  # a move or a transfer naming the place: the city corrected
FIT_SOURCE_ASKED = 0.04  # a where-from question about the customer's data: the source, not the whole record
FIT_OTHER_ACT = 0.04  # "are you selling my data?": about an act, not the record
FIT_READ_ON_CHANGE = 0.05  # "不要再拿我的购买记录做统计分析了" asks for a change: listing the consents does not do it

_FIELD_EN = r"(?:name|surname|first name|last name|(?:job )?title|position|role|e-?mail(?: address)?|phone(?: number)?|" \
            r"(?:mobile|cell)(?: number)?|number|city|address|location)"
_FIELD_ZH = r"(?:名字|姓名|姓|职位|职务|头衔|邮箱|电子邮件|电话|手机号?|号码|城市|地址|所在地)"
# the field, then a word saying what it is now, then the value
_NEW_VALUE = re.compile(
    rf"\b{_FIELD_EN}\s+(?:(?:on (?:your|the) (?:records?|files?)\s+)?(?:should (?:be|read|say)|is now|is actually|"
    rf"(?:has )?changed to|(?:is )?now|needs to (?:be|read))|is|[,;:]?\s*it(?:'|’)s(?: now)?)\s+(?!wrong|incorrect|right|correct|out of date|"
    rf"outdated|old|not\b|no\b|in\b|on\b|used|there|still|the same)\S"
    rf"|{_FIELD_ZH}(?:现在)?(?:应该是|应为|现在是|已经是|改成|改为|更新为|更新成|换成|变成|变为|其实是|是)(?!不是|错|对|从|哪|什么|多少)\S",
    re.I)
# asking to change a field, the value still to come: "I'd like to change my email", "我要更正一下我的信息"
_CHANGE_FIELD = re.compile(
    rf"\b(?:chang\w*|updat\w*|correct\w*|fix\w*|edit\w*|amend\w*|rectif\w*)\b(?:\s+[\w'-]+){{0,3}}?\s+"
    rf"(?:{_FIELD_EN}|details|info\w*|personal data)\b"
    rf"|{_FIELD_ZH}.{{0,6}}?(?:改|更正|更新|修改|纠正|换|变更)|(?:改|更正|更新|修改|纠正|变更)(?:一下)?.{{0,6}}?(?:{_FIELD_ZH}|信息|资料)", re.I)
FIT_FIELD_CHANGE = 0.04
_FILE = Path(__file__).with_name("own_data.yaml")
FIT_TAKE_BACK = 0.05  # "I want to take back a permission I gave you": a consent withdrawn, not the last change undone
FIT_NO_ISSUE = 0.2  # a case needs something wrong or needed in the message
FIT_ERASE = 0.04  # "get rid of my mobile number": a kind of data erased, not the record shown
FIT_WHO_SEES = 0.03  # "谁能看到我的手机号": the people who read it (the access log), not the uses of it
FIT_COPY = 0.1  # "could you email me a file with all my records": a copy to take away, not the record shown
FIT_AUTHORS = 0.1  # "what did your reps write about me?": what they wrote (the data held), not who read it nor its uses
INTERACTIONS = "user.behavior.interaction"


@cache
def _words() -> dict[str, re.Pattern[str]]:
    """Each word class of own_data.yaml as one pattern: English ones on word edges, Chinese ones anywhere."""
    out = {}
    for name, words in read_yaml(_FILE).items():
        latin = "|".join(sorted(words.get("en") or [], key=len, reverse=True))
        chinese = "|".join(sorted(words.get("zh") or [], key=len, reverse=True))  # patterns too: "可以.{0,4}吗"
        parts = ([rf"(?<![\w-])(?:{latin})(?![\w-])"] if latin else []) + ([f"(?:{chinese})"] if chinese else [])
        out[name] = re.compile("|".join(parts), re.I)
    return out


def _says(word_class: str, text: str) -> bool:
    return bool(_words()[word_class].search(text))


def takes_back_consent(text: str) -> bool:
    """"I want to take back a permission I gave you", "之前同意的一项授权想收回": a consent withdrawn."""
    return _says("take_back", text) and _says("consent_nouns", text)


def asks_how_to_change(text: str) -> bool:
    """"Can I change my email address?", "邮箱地址要怎么改？": asking whether or how a field can be corrected, the
    new value not given. The answer asks for the value; nothing is written on the question itself."""
    return (bool(_CHANGE_FIELD.search(text)) and not gives_value(text) and _says("may_i", text)
            and mood_of(text) is not Mood.REQUEST)


def asks_for_a_copy(text: str) -> bool:
    """"could you email me a file with all my records", "整理成一个文件发到我邮箱": a copy to take away."""
    return _says("copy_words", text) and _says("data_nouns", text)


_NOT_A_COMPANY_ZH = re.compile(r".*[们和跟与给对的是在把向从你我您他她它这那哪贵本该买卖用些个]")


def _company_named_zh(text: str) -> bool:
    """A Chinese company name: two to four characters before a word companies end in ("海天电子", "华润新材料"), not
    "我们公司" or "贵公司"."""
    for m in _words()["company_ends"].finditer(text):
        core = _NOT_A_COMPANY_ZH.sub("", text[max(0, m.start() - 4):m.start()])
        if len(core) >= 2:
            return True
    return False


def about_others_business(text: str, guessed_names: list) -> bool:
    """Whether a customer asks about another party's business with us ("what discount did Acme Robotics get?",
    "海天电子那边拿到的折扣是多少？", "which other companies buy the same robots, at what price?"): only their own data
    is ever shown. `guessed_names`: names the message introduces that the customer's names do not hold."""
    if not _says("business", text):
        return False
    return _says("others", text) or any(_a_party(text, g) for g in guessed_names) or _company_named_zh(text)


# Before a capitalised name that is a place or one's own site, not another party: "to our Suzhou plant", "in Shanghai"
_NOT_A_PARTY_BEFORE = re.compile(r"\b(?:my|our|your|the|in|at|to|from|near|into|for)\s+$", re.I)


def _a_party(text: str, name) -> bool:
    return not _NOT_A_PARTY_BEFORE.search(text[:name.start])
_SOURCE = re.compile(r"\b(?:where (?:did|do|does) (?:you|it|they) (?:get|find|obtain|collect|pick)|(?:came|come|comes) from|"
                     r"who (?:told|gave)|source|obtain\w*|provenance|end(?:ed|s)? up (?:in|on|with)|pick(?:ed)? up)\b|"
                     r"从哪|哪来|哪儿来|来源|出处|谁告诉|谁提供|谁给|录入|录进|"
                     r"怎么(?:来|拿到|得到|获得|弄到|知道)"
                     # since when it is held ("since when do you have my phone number?", "从什么时候开始有我手机号")
                     r"|\bsince\s+when\b|\bhow\s+long\s+(?:have|has)\s+(?:you|it|they)\b"
                     r"|\bwhen\s+did\s+you\s+(?:first\s+)?(?:get|start|begin|collect|receive|record|add|have)"
                     r"|什么时候开始|从什么时候|何时开始|从何时|什么时候(?:拿到|得到|获得|收集|录入|存|有)", re.I)


_SOLD = re.compile(r"\b(?:sell\w*|sold|monetis\w*|monetiz\w*)\b|卖|出售|售卖", re.I)


def _other_act(text: str) -> bool:
    """Whether the message is about something done with the data (selling it), not what is held."""
    return bool(_SOLD.search(text))


# Someone else's personal data asked for: "Sarah Miller's contact details", "my colleague's email", "李娜的手机号",
# "他的电话" (never "my", "我的", "我们公司的", "自己的")
_PERSONAL_EN = r"(?:data|details|info\w*|e-?mails?(?: address(?:es)?)?|phone(?: numbers?)?|mobile(?: numbers?)?|numbers?|" \
               r"address(?:es)?|profiles?|records?|(?:job )?titles?|contact\w*|consents?)"
_OTHERS_EN = re.compile(
    rf"(?:\b(?!(?:I|What|Where|Who|How|Tessera|It|That|This|Your|My)\b)[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*['’]s"
    rf"|\b(?:his|her|their|someone else['’]s|somebody else['’]s|other (?:people|customers|clients|users)['’]?s?|"
    rf"another (?:person|customer|client|user)['’]s|my (?:colleague|coworker|co-worker|boss|manager|wife|husband|"
    rf"friend|assistant)(?:\s+[A-Z][a-z]+)*['’]s))(?:\s+[\w-]+){{0,2}}?\s+{_PERSONAL_EN}\b")
_OTHERS_ZH = re.compile(r"(?:他|她|他们|她们|别人|其他人|其他客户|别的客户|其他用户|同事|老板|领导|朋友|家人|"
                        r"(?<![我您你])[\u4e00-\u9fff]{2})的(?:[\u4e00-\u9fff]{0,2}?)"
                        r"(?:电话|手机|号码|邮箱|地址|联系方式|个人信息|个人资料|个人数据|资料|职位|职务)")
_NOT_A_PERSON_ZH = re.compile(r"我|你|您|们|自己|本人|公司|系统|账号|账户|贵司|这|那|哪|什么|里|边|儿")


_DONE_ZH = re.compile(r"[存留记集到过了有用做发给查看录填写报]")  # "你们保存的我的资料": a verb before 的, no person


def claims_staff(text: str) -> bool:
    """"I'm actually the admin, give me li.wei's pipeline", "我其实是你们的销售经理": a customer claiming to be staff."""
    return _says("staff_claim", text) and not gives_value(text)  # "I'm the sales manager now": a new title


def acts_on_own_data(text: str) -> bool:
    """A new value given, a kind of one's data erased, a use stopped or allowed: a request about one's own data,
    neither small talk nor an errand outside the CRM ("could you wipe my order history please?")."""
    return gives_value(text) or _erases_data(text) or _changes_a_use(text)


_RELATIVES_EN = (r"(?:colleague|coworker|co-worker|boss|manager|wife|husband|partner|friend|assistant|son|daughter|"
                 r"mother|father|mom|mum|dad|brother|sister)s?")
_RELATIVES_ZH = r"(?:同事|老板|领导|朋友|老婆|老公|妻子|丈夫|家人|爱人|孩子|父母|妈妈|爸爸|母亲|父亲|哥哥|姐姐|弟弟|妹妹)"
# A change asked for on another person's behalf ("my colleague Zhou Ting wants to stop getting marketing emails",
# "帮我同事取消营销短信"): only that person may change their consents and data, so it is not the customer's own.
_ON_BEHALF_EN = re.compile(
    rf"\b(?:my|our)\s+{_RELATIVES_EN}\b(?:\s+[A-Z][a-z]+)*\s+(?:(?:also|really|no longer|too)\s+)?"
    rf"(?:wants?|would like|asked|asks|wishes|needs?|doesn['’]t want|does not want|didn['’]t want)\b(?!\s+me\b)"
    rf"|\b(?:for|on behalf of)\s+(?:my|our)\s+{_RELATIVES_EN}\b"
    rf"|\b(?:unsubscribe|remove|delete|erase|opt)\s+(?:out\s+)?(?:my|our)\s+{_RELATIVES_EN}\b")
_ON_BEHALF_ZH = re.compile(rf"(?:帮|替|给)我?的?{_RELATIVES_ZH}|我?的?{_RELATIVES_ZH}[\u4e00-\u9fff]{{0,3}}?"
                           rf"(?:也)?(?:想|要|希望|不想|不要|要求)(?!我)")  # "领导要我查一下我的数据": the customer's own


def _a_use(words: str) -> bool:
    """Whether words before 的 name a use of the data, not a person ("售后的电话", "营销的短信": a kind of call)."""
    return default_taxonomy().purpose_from_text(words) is not None


def about_someone_else(text: str) -> bool:
    """Whether the message asks about another person's personal data, or for a change to it on their behalf (only the
    customer's own is ever shown or changed)."""
    if _OTHERS_EN.search(text) or _ON_BEHALF_EN.search(text) or _ON_BEHALF_ZH.search(text):
        return True
    for m in _OTHERS_ZH.finditer(text):
        who, _, between = m.group(0).partition("的")
        if not (_NOT_A_PERSON_ZH.search(who) or _DONE_ZH.search(who[-1]) or "我" in between or _a_use(who)):
            return True
    return False


def _changes_a_use(text: str, way: int | None = None, *, kept: bool = False) -> bool:
    """Whether a request stops or allows (`way`: only that; with `kept`, that beside a clause keeping another use as
    it is) a use of the data it names ("别把我的信息共享给第三方", "you can use my data to improve your AI"): a
    consent change, not a question about the data."""
    if mood_of(text) is not Mood.REQUEST or default_taxonomy().purpose_from_text(text) is None:
        return False
    ways = {contrast.direction(text[c.start:c.end]) for c in contrast.clauses(text)} - {0}
    return bool(ways) if way is None else way in ways if kept else ways == {way}


def _asks_records(text: str) -> bool:
    """Asks for the records of the person's interactions themselves: what the staff wrote or said about them ("what
    did your reps write about me?") or their notes, calls or cases named with no use of them ("关于我的沟通记录有
    哪些") — not who read them, what they are used for, where they came from, a copy or an erasure."""
    tax = default_taxonomy()
    named = _says("wrote_about", text) or tax.category_from_text(text) == INTERACTIONS
    return (named and not _says("reads", text) and not _says("consent_nouns", text) and not _says("uses_asked", text)
            and not asks_for_a_copy(text) and not _SOURCE.search(text) and not _erases_data(text))


def _says_field_changed(text: str) -> bool:
    return bool(_CHANGE_FIELD.search(text)) and not gives_value(text) and mood_of(text) is Mood.REQUEST


def correction_answer(original: str, reply: str) -> str:
    """The words an answer to our value question is read with: the value alone ("Director of Operations", "现在是采购
    经理") names no field, so the field comes from the request it answers ("my title changed")."""
    if read_correction(reply) is not None and (_FIELD_WORDS.search(reply) or _shape(reply)):
        return reply
    if not _FIELD_WORDS.search(original):
        return reply
    return f"{original.strip().rstrip('?？。.!！')}：{reply.strip()}"


_FIELD_WORDS = re.compile(rf"\b{_FIELD_EN}\b|{_FIELD_ZH}", re.I)


def _shape(text: str) -> bool:
    return any(f.kind in (EMAIL, PHONE) for f in find_values(text))


def gives_value(text: str) -> bool:
    """Whether the message carries a new value for one of the customer's fields."""
    return (any(f.kind in (EMAIL, PHONE) for f in find_values(text)) or bool(_NEW_VALUE.search(text))
            or moved_to(text) is not None  # "I'm based in Nanjing these days": the city
            or (bool(_CHANGE_FIELD.search(text)) and read_correction(text) is not None))  # "职位改一下：运营副总裁"


def _erases_data(text: str) -> bool:
    """"get rid of my mobile number", "清掉我的手机号码": a word of erasing and a kind of the customer's data, no use
    named (a use named, "把我从邮件列表里移除", stops that use; it erases nothing). "I'd like something deleted", "删点
    数据": a part of it, not yet said which (the erasure asks)."""
    tax = default_taxonomy()
    return (mood_of(text) is Mood.REQUEST and cues.cue("erase_my_data", text) is not None
            and tax.purpose_from_text(text) is None
            and (tax.category_from_text(text) is not None or _names_a_part(text)))


def _names_a_part(text: str) -> bool:
    lowered = text.lower()
    return any((w.lower() in lowered) if re.search(r"[\u3400-\u9fff]", w)
               else re.search(rf"(?<![a-z]){re.escape(w.lower())}(?![a-z])", lowered)
               for w in default_taxonomy().data.get("erase_partial_words", []))


def gives_consent(text: str) -> bool:
    """"I'd like to give you permission for something", "我想给你们开通一项授权": a consent given, its use still to say."""
    return mood_of(text) is Mood.REQUEST and _says("give", text) and _says("consent_nouns", text)


def fit_bonus(tool: str, text: str) -> float:
    if tool in ("my_data", "my_consents", "open_case") and (_erases_data(text) or _changes_a_use(text)):
        return -2 * FIT_READ_ON_CHANGE  # asks to erase a kind of data or change a use: neither a look nor a case
    if tool == "open_case" and not _says("issue", text):
        return -FIT_NO_ISSUE  # "我现在在开会，晚点说": nothing wrong or needed, so no case
    if tool == "erase_my_data":
        return FIT_ERASE if _erases_data(text) else -FIT_TAKE_BACK if _changes_a_use(text, contrast.STOP) else 0.0
    if tool == "correct_my_data":
        if moved_to(text):  # "我现在在苏州上班": as plain a new value as a phone number, in words no example has
            return FIT_MOVED
        return FIT_VALUE_GIVEN if gives_value(text) else FIT_FIELD_CHANGE if _CHANGE_FIELD.search(text) else 0.0
    if tool == "where_did_you_get":  # "别把我的信息共享给第三方" asks for a change, not where the data went
        return (FIT_SOURCE_ASKED if _SOURCE.search(text) else 0.0) - (2 * FIT_READ_ON_CHANGE if _changes_a_use(text) else 0.0)
    if tool in ("my_data", "my_consents") and _says_field_changed(text):
        return -2 * FIT_READ_ON_CHANGE  # "我的手机号换了": a correction whose value is still to come, not a look at the data
    if tool in ("my_data", "my_data_access", "my_consents") and _asks_records(text):
        return FIT_AUTHORS if tool == "my_data" else -FIT_AUTHORS
    if tool == "my_data":
        return (-(FIT_SOURCE_ASKED if _SOURCE.search(text) else 0.0) - (FIT_OTHER_ACT if _other_act(text) else 0.0)
                - (FIT_COPY / 2 if asks_for_a_copy(text) else 0.0))
    if tool == "my_data_access":  # "谁能看到我的手机号": who sees it, not what it is used for nor where it came from
        return FIT_WHO_SEES if _says("who_sees", text) and not _SOURCE.search(text) and not _changes_a_use(text) else 0.0
    if tool == "export_my_data":
        return FIT_COPY if asks_for_a_copy(text) else 0.0
    if tool == "my_consents":
        # a clause stopping or allowing a use ("stop feeding my data into your AI training, support can still reach
        # me") asks for a change, whatever the other clause keeps
        if gives_consent(text):  # "I'd like to give you permission for something": a grant, its use to be asked
            return -2 * FIT_READ_ON_CHANGE
        changes = any(contrast.direction(text[c.start:c.end]) for c in contrast.clauses(text)) or _says("take_back", text)
        return -FIT_READ_ON_CHANGE if changes and mood_of(text) is Mood.REQUEST else 0.0
    if tool == "revoke_consent":  # "别打推销电话了，不过售后的电话还是可以打": a use stopped, the other kept as it is
        return FIT_TAKE_BACK if takes_back_consent(text) or _changes_a_use(text, contrast.STOP, kept=True) else 0.0
    if tool == "grant_consent":  # "you can use my data to improve your AI, I'm fine with that"
        return FIT_TAKE_BACK if _changes_a_use(text, contrast.KEEP) or gives_consent(text) else 0.0
    if tool == "undo_last":  # offered beside the consent tools: a consent taken back is withdrawn, not undone
        return -FIT_TAKE_BACK if _says("consent_nouns", text) else 0.0
    return 0.0


OWN_DATA_TOOL = "my_data"  # offered: the tools act on the caller's own data only


TOOLS = frozenset({"correct_my_data", "where_did_you_get", "my_data", "my_consents", "revoke_consent", "grant_consent",
                   "export_my_data", "my_data_access"})
# offered beside the own-data tools only (the privacy agent): a rep's "take it back" stays an undo
BESIDE_OWN_DATA = frozenset({"undo_last", "erase_my_data", "open_case"})


# -- a write whose one argument does not say enough: asked, not called ------------------------------------------
CONSENT_TOOLS = frozenset({"grant_consent", "revoke_consent"})
CORRECTION_TOOL = "correct_my_data"
ERASE_TOOL = "erase_my_data"
# The kinds offered when an erasure names none ("I'd like something deleted"), in this order: everything first.
ERASE_OFFERED = ("user", "user.behavior.purchase_history", "user.behavior.interaction", "user.contact.phone_number",
                 "user.contact.email")
# The uses offered when a consent change names none, in this order ("the second one" is marketing messages).
USES_OFFERED = ("sales.follow_up", "marketing.communications", "analytics.reporting", "train_ai_system",
                "third_party_sharing")
_QUESTIONS = {
    "use": {"en": "Which use of your data? {options}", "zh": "请问是哪种用途？{options}"},
    "erase": {"en": "What should I erase? {options} Nothing has been erased yet.",
              "zh": "请问要删除什么？{options}目前没有删除任何内容。"},
    "everything": {"en": "everything we hold about you", "zh": "我们保存的您的全部数据"},
    "may_change": {"en": "Yes, you can: tell me the right value and I will correct it, e.g. \"{example}\". Nothing has "
                         "been changed yet.",
                   "zh": "可以的：请告诉我正确的内容，我来为您更正，例如“{example}”。目前没有做任何改动。"},
    "value": {"en": "What is the right value? e.g. \"my phone number is +86 139 0000 0000\"",
              "zh": "请告诉我正确的内容，例如“我的手机号是 +86 139 0000 0000”。"},
    "value_of": {"en": "What is the right value? e.g. \"{example}\"", "zh": "请告诉我正确的内容，例如“{example}”。"},
}


GRANT_TOOL = "grant_consent"


def grants_every_use(text: str) -> bool:
    """"say yes to all the consents", "我全部同意": every use a consent is asked for, allowed (never a stop)."""
    return (mood_of(text) is Mood.REQUEST and _says("all_consents", text) and contrast.direction(text) != contrast.STOP
            and not _says("take_back", text))


def every_use() -> list[str]:
    """Each use a consent is asked for (USES_OFFERED), in English words the domain reads as exactly that use."""
    tax = default_taxonomy()
    return [next((w for w in [tax.label(p, "en"), *tax.purposes[p].get("words", [])] if tax.purpose_from_text(w) == p),
                 tax.label(p, "en")) for p in USES_OFFERED]


def use_choices(lang: str) -> list[str]:
    tax = default_taxonomy()
    return [tax.label(p, "zh" if lang == "zh" else "en") for p in USES_OFFERED]


def erase_choices(lang: str) -> list[str]:
    lang, tax = ("zh" if lang == "zh" else "en"), default_taxonomy()
    return [_QUESTIONS["everything"][lang] if c == "user" else re.sub(r"\s*[(（].*?[)）]", "", tax.label(c, lang))
            for c in ERASE_OFFERED]  # "interactions", without what it holds in brackets


def erases_unsaid(words: str) -> bool:
    """Whether an erasure in these words names no kind of data ("something", "some of my data", "删点数据"): the
    domain would ask, so the question is asked first, with the kinds numbered."""
    try:
        scope_from_text(words)
    except UnclearRequest as unclear:
        return unclear.kind == "erase_what"
    return False


def settle(view: ToolView, filling: Filling, text: str = "", history: list[Turn] = ()) -> None:
    """A consent change that names no use, or a correction that gives no value, is asked about, never called:
    the argument read is dropped and the parameter counted missing. A correction whose value the words kept do not
    say, but the whole message does ("职位改一下：运营副总裁" kept only the part after the colon), takes the message.
    A consent change pointing at a row of the consents table just shown ("withdraw the second one", "撤回第三个")
    takes that row's use and data."""
    param = next((p for p in view.params if p.required), None)
    if param is None:
        return
    tax = default_taxonomy()
    row = consent_row(text, history) if view.name in CONSENT_TOOLS and not tax.use_from_text(text) else None
    if row:
        filling.args[param.name] = row
        filling.filled = [f for f in filling.filled if f.name != param.name] + [
            Filled(param.name, row, "the consents shown", "context")]
        filling.missing = [m for m in filling.missing if m.name != param.name]
        return
    if param.name not in filling.args:
        return
    said = str(filling.args[param.name])
    if view.name == CORRECTION_TOOL and read_correction(said) is None and text and read_correction(text) is not None:
        filling.args[param.name] = said = text
    # "stop texting me" kept only "texting": the channel is in the message, the use with it
    if view.name in CONSENT_TOOLS and tax.use_from_text(said) is None and text and tax.use_from_text(text):
        filling.args[param.name] = said = text
    unsaid = ((view.name == ERASE_TOOL and erases_unsaid(said) and (not text or erases_unsaid(text)))
              or (view.name in CONSENT_TOOLS and tax.use_from_text(said) is None)  # "don't call me": the phone's
              or (view.name == CORRECTION_TOOL and read_correction(said) is None))
    if unsaid:
        del filling.args[param.name]
        filling.filled = [f for f in filling.filled if f.name != param.name]
        filling.missing.append(param)


def consent_row(text: str, history: list[Turn]) -> str | None:
    """The consent an ordinal points at ("the second one", "第三个", "the last one") in the consents table the latest
    tool result listed, in English words the domain reads as exactly that use of exactly that data; None when the
    message has no ordinal or the latest list is no consents table."""
    n = context.ordinal_in(text)
    if n is None:
        return None
    for turn in reversed(history):
        if turn.role != "tool":
            continue
        items = context.items_of(turn.text)
        if not items:
            continue
        rows = [i for i in items if i.get("use") and i.get("what")]
        if len(rows) != len(items) or not (n == -1 or n <= len(rows)):
            return None  # the latest list is of something else, or has no such row
        row = rows[n - 1] if n > 0 else rows[-1]
        return _consent_words(row["use"], row["what"])
    return None


def row_change(text: str, history: list[Turn]) -> str | None:
    """The consent tool a request pointing at a row of the consents table asks for ("turn off the last one",
    "第一个我现在同意了"): by the way its words go; None when it points at no row or says no way."""
    if mood_of(text) is not Mood.REQUEST or consent_row(text, history) is None:
        return None
    way = contrast.direction(text) or (contrast.STOP if _says("take_back", text) else
                                       contrast.KEEP if _says("give", text) else 0)
    return "revoke_consent" if way == contrast.STOP else "grant_consent" if way == contrast.KEEP else None


def _consent_words(use: str, data: str) -> str | None:
    """"marketing messages for my contact details" from a table row's labels (in either language)."""
    tax = default_taxonomy()
    purpose = next((k for k in tax.purposes for lang in ("en", "zh") if tax.label(k, lang) == use), None)
    category = next((k for k in tax.categories for lang in ("en", "zh") if tax.label(k, lang) == data), None)
    if purpose is None or category is None:
        return None
    said = [tax.label(purpose, "en"), *tax.purposes[purpose].get("words", [])]
    words = next((w for w in said if tax.purpose_from_text(w) == purpose), said[0])
    named = tax.label(category, "en")
    return words if category == "user" else f"{words} for my {named}"


# An example correction of the field a question names ("can I change my email?" → "my email is …")
_EXAMPLES = (("e-?mail|邮箱|电子邮件", "my email is name@example.com", "我的邮箱是 name@example.cn"),
             ("phone|mobile|cell|number|电话|手机|号码", "my phone number is +86 139 0000 0000", "我的手机号是 13900000000"),
             ("title|position|role|职位|职务|头衔", "my title is Purchasing Director", "我的职位是采购总监"),
             ("city|address|location|城市|地址|所在地", "my city is Hangzhou", "我的城市是杭州"),
             ("name|surname|名字|姓名|姓", "my name should read Mark Taylor", "我的名字应该是李娜"))


def may_change_question(text: str, lang: str) -> str:
    """The answer to "can I change my email address?": yes, and the value asked for, with an example of that field."""
    lang = "zh" if lang == "zh" else "en"
    example = next((ex[1 if lang == "en" else 2] for ex in _EXAMPLES if re.search(ex[0], text, re.I)), None)
    return _QUESTIONS["may_change"][lang].format(example=example or _EXAMPLES[1][1 if lang == "en" else 2])


def question(view: ToolView, lang: str, text: str = "") -> str | None:
    """Our question for what `settle` found missing, with the uses numbered for a consent change."""
    lang = "zh" if lang == "zh" else "en"
    if view.name in CONSENT_TOOLS or view.name == ERASE_TOOL:
        sep = "，" if lang == "zh" else " "
        choices = use_choices(lang) if view.name in CONSENT_TOOLS else erase_choices(lang)
        options = sep.join(f"({i}) {c}" for i, c in enumerate(choices, 1))
        return _QUESTIONS["use" if view.name in CONSENT_TOOLS else "erase"][lang].format(
            options=options + ("。" if lang == "zh" and view.name == ERASE_TOOL else ""))
    if view.name == CORRECTION_TOOL:
        example = next((ex[1 if lang == "en" else 2] for ex in _EXAMPLES if re.search(ex[0], text, re.I)), None)
        return _QUESTIONS["value"][lang] if example is None else _QUESTIONS["value_of"][lang].format(example=example)
    return None


def picked_use(view: ToolView, reply: str, pick) -> str | None:
    """The use a reply to our numbered question picks ("the second one", "第二个"), in English words the domain reads;
    `pick(reply, options)` reads the ordinal."""
    if view.name == ERASE_TOOL:  # "2": the purchase history, in words the domain reads as that kind
        kind = pick(reply, list(ERASE_OFFERED))
        return None if kind is None else "everything" if kind == "user" else default_taxonomy().label(kind, "en")
    if view.name not in CONSENT_TOOLS:
        return None
    picked = pick(reply, list(USES_OFFERED)) or _named_use(reply)
    if picked is None:
        return None
    tax = default_taxonomy()  # words the domain reads as exactly that use, the label first
    said = [tax.label(picked, "en"), *tax.purposes[picked].get("words", [])]
    return next((w for w in said if tax.purpose_from_text(w) == picked), said[0])


# Words that point at an offered option rather than name it: "the marketing one", "营销那个", "I mean the AI one"
_POINTING_WORDS = frozenset("the a an one ones that this i mean it's its is please option choice use uses for of".split())
_POINTING_ZH = re.compile(r"那个|这个|那一个|那项|这项|那种|这种|那条|就是|我选|选|吧|的|。|！|!|\.")


def _named_use(reply: str) -> str | None:
    """The one offered use an answer names in words ("the marketing one" is marketing messages, the option, not all
    of marketing; "the AI one", "第三方那个"): a use the answer names that covers exactly one option, else the one
    option whose label shares the answer's words. A narrower use than an option ("SF Express") is no pick: it is
    read as said."""
    tax = default_taxonomy()
    named = tax.purpose_from_text(reply)
    if named is not None:
        hits = [o for o in USES_OFFERED if covers(named, o)]
        return hits[0] if len(hits) == 1 else None
    words = set(re.findall(r"[a-z]+", reply.lower())) - _POINTING_WORDS
    core = _POINTING_ZH.sub("", reply).strip()
    hits = [o for o in USES_OFFERED
            if (words and words <= set(re.findall(r"[a-z]+", tax.label(o, "en").lower())))
            or (len(core) >= 2 and core in tax.label(o, "zh"))]
    return hits[0] if len(hits) == 1 else None
