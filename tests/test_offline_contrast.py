"""A request with a contrast ("stop X but keep Y"): the offline model acts on the clause that goes the tool's way;
the clause asking to keep something is what must stay. Checked on Tessera's own consent tools, in both languages."""
from __future__ import annotations

import datetime as dt

import pytest

from crm.privacy.taxonomy import default_taxonomy
from llm.offline.arguments import fill
from llm.offline.contrast import KEEP, STOP, against, direction, tool_direction
from llm.offline.lexicon import Lexicon
from llm.offline.reading import Reading
from llm.offline.schema import parse_tools
from tools.registry import ALL
from tools.schema import openai_tool

VIEWS = {v.name: v for v in parse_tools([openai_tool(t) for t in ALL.values()])}
TODAY = dt.date(2026, 11, 30)


def what(tool: str, text: str) -> str:
    return fill(VIEWS[tool], Reading(text, Lexicon(), TODAY)).args["what"]


def test_the_consent_tools_have_opposite_directions_and_others_none():
    assert tool_direction(VIEWS["revoke_consent"]) == STOP
    assert tool_direction(VIEWS["grant_consent"]) == KEEP
    assert tool_direction(VIEWS["log_activity"]) == 0  # a note keeps every clause


@pytest.mark.parametrize(("text", "way"), [
    ("stop the marketing emails", STOP), ("but keep sending me service updates", KEEP),
    ("unsubscribe me", STOP), ("我不同意", STOP), ("但是服务通知可以继续发", KEEP), ("以后别再打电话给我推销了", STOP),
    ("the order arrived late", 0),
])
def test_a_clause_reads_as_stop_keep_or_neither(text, way):
    assert direction(text) == way


@pytest.mark.parametrize(("text", "kept", "purpose"), [
    ("我不想再收到你们的营销短信了，但是服务通知可以继续发", "服务通知", "marketing.communications"),
    ("stop the marketing emails but keep sending me service updates", "service updates", "marketing.communications"),
    ("你们可以继续发服务通知，不过别再给我发推广短信了", "服务通知", "marketing.communications"),
    ("you can keep calling me about my orders, but no more newsletters", "orders", "marketing.communications"),
    ("service messages are fine, but stop the sales calls", "service", "sales.follow_up"),
    ("我不想再收到营销邮件了，但是订单通知还要", "订单", "marketing.communications"),
    ("别再给我发推广短信了，不过发票提醒我还需要", "发票", "marketing.communications"),
])
def test_a_revocation_reads_its_use_from_the_clause_that_asks_to_stop(text, kept, purpose):
    said = what("revoke_consent", text)
    assert kept not in said
    assert default_taxonomy().purpose_from_text(said) == purpose


@pytest.mark.parametrize(("text", "purpose"), [
    ("you may send me marketing emails again, but stop the sales calls", "marketing.communications"),
    ("可以给我发营销邮件，但是别再打电话推销了", "marketing.communications"),
])
def test_a_grant_reads_its_use_from_the_clause_that_allows(text, purpose):
    assert default_taxonomy().purpose_from_text(what("grant_consent", text)) == purpose


def test_a_negation_is_never_dropped_as_a_command_word():
    assert what("revoke_consent", "我不想再收到你们的营销短信了").startswith("我不想")


def test_without_a_contrast_nothing_is_set_aside():
    assert against(VIEWS["revoke_consent"], "please stop sending me marketing emails, I'm not interested") == []
    assert what("revoke_consent", "以后别再打电话给我推销了") == "以后别再打电话给我推销了"


def test_equally_long_use_words_go_to_the_one_said_first():
    assert default_taxonomy().purpose_from_text("营销的不要了，服务的留着") == "marketing"
