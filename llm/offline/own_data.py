"""A customer's message about their own data, read for what decides between the privacy tools: a new value given
(an e-mail address, a phone number, "my title should read …", "职位现在是…") is a correction, whatever example it
sounds nearer ("new mobile: +86 186 …" is no consent); a question of where something came from ("是从哪儿录进去的")
asks for the source, not for the whole record."""
from __future__ import annotations

import re

from crm.mood import Mood, mood_of
from crm.privacy.identifiers import EMAIL, PHONE, find_values
from crm.privacy.taxonomy import default_taxonomy
from crm.services.subjects import read_correction
from llm.offline import contrast
from llm.offline.arguments import Filling
from llm.offline.schema import ToolView

FIT_VALUE_GIVEN = 0.06  # on the similarity score: a correction carrying its new value
FIT_SOURCE_ASKED = 0.04  # a where-from question about the customer's data: the source, not the whole record
FIT_OTHER_ACT = 0.04  # "are you selling my data?": about an act, not the record
FIT_READ_ON_CHANGE = 0.05  # "不要再拿我的购买记录做统计分析了" asks for a change: listing the consents does not do it

_FIELD_EN = r"(?:name|surname|first name|last name|(?:job )?title|position|role|e-?mail(?: address)?|phone(?: number)?|" \
            r"(?:mobile|cell)(?: number)?|number|city|address|location)"
_FIELD_ZH = r"(?:名字|姓名|姓|职位|职务|头衔|邮箱|电子邮件|电话|手机号?|号码|城市|地址|所在地)"
# the field, then a word saying what it is now, then the value
_NEW_VALUE = re.compile(
    rf"\b{_FIELD_EN}\s+(?:(?:on (?:your|the) (?:records?|files?)\s+)?(?:should (?:be|read|say)|is now|is actually|"
    rf"(?:has )?changed to|(?:is )?now|needs to (?:be|read))|is)\s+(?!wrong|incorrect|right|correct|out of date|"
    rf"outdated|old|not\b|no\b|in\b|on\b|used|there|still|the same)\S"
    rf"|{_FIELD_ZH}(?:现在)?(?:应该是|应为|现在是|已经是|改成|改为|更新为|更新成|换成|变成|变为|其实是|是)(?!不是|错|对|从|哪|什么|多少)\S",
    re.I)
# asking to change a field, the value still to come: "I'd like to change my email", "我要更正一下我的信息"
_CHANGE_FIELD = re.compile(
    rf"\b(?:chang\w*|updat\w*|correct\w*|fix\w*|edit\w*|amend\w*|rectif\w*)\b(?:\s+[\w'-]+){{0,3}}?\s+"
    rf"(?:{_FIELD_EN}|details|info\w*|personal data)\b"
    rf"|{_FIELD_ZH}.{{0,6}}?(?:改|更正|更新|修改|纠正)|(?:改|更正|更新|修改|纠正)(?:一下)?.{{0,6}}?(?:{_FIELD_ZH}|信息|资料)", re.I)
FIT_FIELD_CHANGE = 0.04
_TAKE_BACK = re.compile(r"\b(?:take|taking|took) (?:\w+ ){0,4}?back\b|\bwithdr[ae]w\w*|\brevok\w*|撤回|撤销|收回", re.I)
_MOVED_TO = re.compile(r"\b(?:moved|relocated) (?:\w+ )?to\b|搬到|搬去|搬家到|迁到", re.I)  # "I moved to Chengdu": the city
_SOURCE = re.compile(r"\b(?:where (?:did|do|does) (?:you|it|they) (?:get|find|obtain|collect)|(?:came|come|comes) from|"
                     r"who (?:told|gave)|source|obtain\w*|provenance)\b|从哪|哪来|哪儿来|来源|出处|谁告诉|谁提供|录入|录进|"
                     r"怎么(?:来|拿到|得到|获得|弄到|知道)", re.I)


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


def about_someone_else(text: str) -> bool:
    """Whether the message asks about another person's personal data (only the customer's own is ever shown)."""
    if _OTHERS_EN.search(text):
        return True
    for m in _OTHERS_ZH.finditer(text):
        who, _, between = m.group(0).partition("的")
        if not (_NOT_A_PERSON_ZH.search(who) or _DONE_ZH.search(who[-1]) or "我" in between):
            return True
    return False


def gives_value(text: str) -> bool:
    """Whether the message carries a new value for one of the customer's fields."""
    return (any(f.kind in (EMAIL, PHONE) for f in find_values(text)) or bool(_NEW_VALUE.search(text))
            or (bool(_MOVED_TO.search(text)) and read_correction(text) is not None))


def fit_bonus(tool: str, text: str) -> float:
    if tool == "correct_my_data":
        return FIT_VALUE_GIVEN if gives_value(text) else FIT_FIELD_CHANGE if _CHANGE_FIELD.search(text) else 0.0
    if tool == "where_did_you_get":
        return FIT_SOURCE_ASKED if _SOURCE.search(text) else 0.0
    if tool == "my_data":
        return -(FIT_SOURCE_ASKED if _SOURCE.search(text) else 0.0) - (FIT_OTHER_ACT if _other_act(text) else 0.0)
    if tool == "my_consents":
        # a clause stopping or allowing a use ("stop feeding my data into your AI training, support can still reach
        # me") asks for a change, whatever the other clause keeps
        changes = any(contrast.direction(text[c.start:c.end]) for c in contrast.clauses(text)) or _TAKE_BACK.search(text)
        return -FIT_READ_ON_CHANGE if changes and mood_of(text) is Mood.REQUEST else 0.0
    return 0.0


OWN_DATA_TOOL = "my_data"  # offered: the tools act on the caller's own data only


TOOLS = frozenset({"correct_my_data", "where_did_you_get", "my_data", "my_consents"})


# -- a write whose one argument does not say enough: asked, not called ------------------------------------------
CONSENT_TOOLS = frozenset({"grant_consent", "revoke_consent"})
CORRECTION_TOOL = "correct_my_data"
# The uses offered when a consent change names none, in this order ("the second one" is marketing messages).
USES_OFFERED = ("sales.follow_up", "marketing.communications", "analytics.reporting", "train_ai_system",
                "third_party_sharing")
_QUESTIONS = {
    "use": {"en": "Which use of your data? {options}", "zh": "请问是哪种用途？{options}"},
    "value": {"en": "What is the right value? e.g. \"my phone number is +86 139 0000 0000\"",
              "zh": "请告诉我正确的内容，例如“我的手机号是 +86 139 0000 0000”。"},
}


def use_choices(lang: str) -> list[str]:
    tax = default_taxonomy()
    return [tax.label(p, "zh" if lang == "zh" else "en") for p in USES_OFFERED]


def settle(view: ToolView, filling: Filling) -> None:
    """A consent change that names no use, or a correction that gives no value, is asked about, never called:
    the argument read is dropped and the parameter counted missing."""
    param = next((p for p in view.params if p.required), None)
    if param is None or param.name not in filling.args:
        return
    said = str(filling.args[param.name])
    unsaid = ((view.name in CONSENT_TOOLS and default_taxonomy().purpose_from_text(said) is None)
              or (view.name == CORRECTION_TOOL and read_correction(said) is None))
    if unsaid:
        del filling.args[param.name]
        filling.filled = [f for f in filling.filled if f.name != param.name]
        filling.missing.append(param)


def question(view: ToolView, lang: str) -> str | None:
    """Our question for what `settle` found missing, with the uses numbered for a consent change."""
    lang = "zh" if lang == "zh" else "en"
    if view.name in CONSENT_TOOLS:
        sep = "，" if lang == "zh" else " "
        options = sep.join(f"({i}) {c}" for i, c in enumerate(use_choices(lang), 1))
        return _QUESTIONS["use"][lang].format(options=options)
    if view.name == CORRECTION_TOOL:
        return _QUESTIONS["value"][lang]
    return None


def picked_use(view: ToolView, reply: str, pick) -> str | None:
    """The use a reply to our numbered question picks ("the second one", "第二个"), in English words the domain reads;
    `pick(reply, options)` reads the ordinal."""
    if view.name not in CONSENT_TOOLS:
        return None
    picked = pick(reply, list(USES_OFFERED))
    if picked is None:
        return None
    tax = default_taxonomy()  # words the domain reads as exactly that use, the label first
    said = [tax.label(picked, "en"), *tax.purposes[picked].get("words", [])]
    return next((w for w in said if tax.purpose_from_text(w) == picked), said[0])
