"""A competitor's name is read from how the message introduces it, not from a list: names no list holds, in Chinese
and English, reach record_competitor_price; our own products are never taken for a competitor."""
from __future__ import annotations

import datetime as dt

import pytest

from llm import EntityName, Lexicon
from llm.offline.decide import TurnPolicy
from llm.offline.rivals import find_competitors
from llm.offline.text import Span
from tools.registry import toolset
from tools.schema import openai_tool

PRODUCTS = Lexicon({"product": [EntityName("Edge Gateway", ("边缘网关",)), EntityName("Smart POS Terminal", ("智能收银终端",)),
                                EntityName("CRM Suite", ("CRM 套件",))]})


def competitor_in(message: str) -> str | None:
    policy = TurnPolicy(PRODUCTS, lambda: dt.date(2026, 11, 26))
    reply = policy.reply([{"role": "user", "content": message}], [openai_tool(t) for t in toolset("sales")])
    assert [c.name for c in reply.tool_calls] == ["record_competitor_price"], reply.content
    return reply.tool_calls[0].arguments.get("competitor")


@pytest.mark.parametrize("message, name", [
    ("竞品星河软件的边缘网关降价到7000了", "星河软件"),  # after 竞品, up to 的
    ("友商蓝鲸把智能收银终端报到3500", "蓝鲸"),  # after 友商, up to 把
    ("竞争对手是青松云，边缘网关报价6500", "青松云"),  # 竞争对手是 …
    ("竞品Pipedrive的CRM 套件降价了，现在卖880", "Pipedrive"),  # a Latin name after a Chinese cue
    ("听说北斗星在华南给智能收银终端报价3600", "北斗星"),  # the one who prices our product, after the hearsay
    ("Freshworks quoted 950 per seat for the CRM Suite", "Freshworks"),  # before an English pricing verb
    ("a competitor called Zoho One is selling the Edge Gateway at 7200", "Zoho One"),
])
def test_a_competitor_no_list_holds_is_read_from_its_context(message, name):
    assert competitor_in(message) == name


@pytest.mark.parametrize("message", [
    "对手给智能收银终端报了8900",  # a competitor, unnamed
    "competitor price for the Smart POS Terminal is 3900 in the south",
    "记录一下竞争对手边缘网关的价格7600",
])
def test_an_unnamed_competitor_is_left_empty_not_guessed(message):
    assert not competitor_in(message)


def test_our_product_is_never_the_competitor():
    text = "竞品边缘网关卖7000"  # the cue is followed by our product, not by a name
    product = Span(text.index("边缘网关"), text.index("边缘网关") + 4)
    assert find_competitors(text, taken=[product], products=[product]) == []
