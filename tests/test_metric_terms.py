"""The metric reader's segmenter: catalogue names found as key terms in order with filler words between them, and
the handover of metric questions to the agent that answers them."""
from __future__ import annotations

import datetime as dt

import pytest

from agents.routing import allowed_specialists
from agents.supervisor import transfer_tool
from llm.offline.decide import TurnPolicy
from llm.offline.lexicon import EntityName, Lexicon
from llm.offline.metric_query import _vocab, fill
from llm.offline.metric_terms import find_mentions, tokens
from llm.offline.reading import Reading

METRICS = [(phrase, name) for phrase, name in _vocab()[0]]


def metrics_in(text: str) -> list[str]:
    return [m.key for m in sorted(find_mentions(text.lower(), METRICS), key=lambda m: m.start)]


def test_chinese_is_cut_by_the_dictionary_and_a_longer_word_is_never_split():
    assert [t.text for t in tokens("各单元赢单的平均毛利率")] == ["各", "单元", "赢单", "的", "平均", "毛利率"]
    assert [t.text for t in tokens("Deals were created")] == [t.text for t in tokens("deal were create")]


@pytest.mark.parametrize(("text", "metric"), [
    ("最近三个月新建了多少商机", "new_deals"),  # 新建 … 商机
    ("延期商机的金额一共多少", "slipped_value"),  # the amount, not the count of 延期商机
    ("李伟本季度记录了多少次活动", "activities"),  # 活动次数 answers to 活动
    ("哪个客户的在途商机最多", "open_deals"),  # 在途商机数 without its count suffix
    ("今年的毛利总额", "gross_profit"),  # 毛利 is an amount …
    ("各单元赢单的平均毛利率", "avg_margin"),  # … 毛利率 a margin, and never 毛利
    ("上季度各部门的平均毛利", "avg_margin"),  # an average of 毛利 is the margin
    ("今年平均多少天能成交一单", "sales_cycle_days"),
    ("how many cases are still open?", "open_cases"),  # a two-word name said predicatively
    ("which account has the most deals still open", "open_deals"),
    ("how many deals did we create last month", "new_deals"),  # "deals created", other words between
])
def test_a_name_is_found_with_filler_words_between_its_terms(text, metric):
    assert metric in metrics_in(text), (text, metrics_in(text))


def test_only_filler_words_may_sit_between_the_terms():
    assert "new_deals" not in metrics_in("新增客户的商机")  # 客户 is a word of its own, not a filler
    assert "new_accounts" not in metrics_in("new deals for accounts")
    assert metrics_in("今年的毛利率") == ["avg_margin"]


POLICY = TurnPolicy(clock=lambda: dt.date(2026, 11, 26))


def routed(text: str, role: str = "manager") -> str:
    allowed = allowed_specialists(role)
    reply = POLICY.reply([{"role": "user", "content": text}], [transfer_tool(a, allowed) for a in allowed])
    return reply.tool_calls[0].name if reply.tool_calls else reply.kind


@pytest.mark.parametrize("text", ["How many cases are still open?", "Late payments by unit this year",
                                  "上个月谁的跟进次数最多", "哪个客户的在途商机最多"])
def test_a_metric_question_is_handed_to_the_analyst(text):
    assert routed(text) == "transfer_to_analyst"


@pytest.mark.parametrize("text", ["log a call with Keystone Markets about their pipeline",
                                  "move the Keystone deal to negotiation", "给张敏建一个明天跟进的任务"])
def test_a_request_to_act_still_goes_to_sales(text):
    assert routed(text) == "transfer_to_sales"


UNITS = Lexicon({"unit": [EntityName("east-smb", ("East SMB", "华东中小企业部")),
                          EntityName("north-industry", ("North Industry", "华北工业部"))]})


def read(text: str) -> dict:
    return fill(None, Reading(text, UNITS, dt.date(2026, 11, 26))).args


def test_a_unit_is_named_by_its_whole_name_only():
    assert read("华东中小企业部今年赢了几单")["filters"] == {"unit": ["east-smb"]}
    which = read("Which industry brought the most order revenue this year?")
    assert which["group_by"] == ["industry"] and "filters" not in which  # not North Industry


def test_a_value_before_a_dimension_word_filters_rather_than_breaks_down():
    got = read("Pipeline value for finance customers")
    assert got["filters"] == {"industry": ["finance"]} and "group_by" not in got


@pytest.mark.parametrize(("text", "metric"), [("How many deals are sitting in negotiation right now?", "open_deals"),
                                              ("What's the total value of deals at the proposal stage?",
                                               "pipeline_value"),
                                              ("谈判阶段的商机有多少个", "open_deals")])
def test_deals_in_a_named_stage_are_counted_or_summed(text, metric):
    assert read(text)["metrics"] == [metric]
