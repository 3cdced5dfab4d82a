"""A customer's message about their own data, read for what decides between the privacy tools: a new value given
(an e-mail address, a phone number, "my title should read …", "职位现在是…") is a correction, whatever example it
sounds nearer ("new mobile: +86 186 …" is no consent); a question of where something came from ("是从哪儿录进去的")
asks for the source, not for the whole record."""
from __future__ import annotations

import re

from crm.mood import Mood, mood_of
from crm.privacy.identifiers import EMAIL, PHONE, find_values
from llm.offline import contrast

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
    return any(f.kind in (EMAIL, PHONE) for f in find_values(text)) or bool(_NEW_VALUE.search(text))


def fit_bonus(tool: str, text: str) -> float:
    if tool == "correct_my_data":
        return FIT_VALUE_GIVEN if gives_value(text) else 0.0
    if tool == "where_did_you_get":
        return FIT_SOURCE_ASKED if _SOURCE.search(text) else 0.0
    if tool == "my_data":
        return -(FIT_SOURCE_ASKED if _SOURCE.search(text) else 0.0) - (FIT_OTHER_ACT if _other_act(text) else 0.0)
    if tool == "my_consents":
        return -FIT_READ_ON_CHANGE if contrast.direction(text) and mood_of(text) is Mood.REQUEST else 0.0
    return 0.0


OWN_DATA_TOOL = "my_data"  # offered: the tools act on the caller's own data only


TOOLS = frozenset({"correct_my_data", "where_did_you_get", "my_data", "my_consents"})
