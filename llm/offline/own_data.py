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


TOOLS = frozenset({"correct_my_data", "where_did_you_get", "my_data", "my_consents"})
