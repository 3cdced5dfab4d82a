"""A list just shown, narrowed by its order in the next message (llm/offline/refine.py): the same search again,
ordered, one record when one is asked for; the earlier filters kept; an action on the list is no narrowing."""
from __future__ import annotations

import json

import pytest

from llm.offline.messages import Turn
from llm.offline.refine import narrowed
from llm.offline.schema import parse_tools
from tools.registry import ALL
from tools.schema import openai_tool

VIEWS = parse_tools([openai_tool(t) for t in ALL.values()])


def after(tool: str, args: dict, asked: str = "which of my deals are idle?") -> list[Turn]:
    call = {"id": "c1", "name": tool, "arguments": json.dumps(args)}
    return [Turn("user", asked), Turn("assistant", "", (call,)), Turn("tool", '{"items": []}', tool_call_id="c1"),
            Turn("assistant", "Found 5 deals.")]


IDLE = {"owner": "me", "idle_days": 21}


@pytest.mark.parametrize(("text", "expected"), [
    ("ok, and what's the biggest one among them?", {**IDLE, "order_by": "amount", "limit": 1}),
    ("其中哪个最可能成交？", {**IDLE, "order_by": "win_probability", "limit": 1}),
    ("sort those by close date", {**IDLE, "order_by": "close_date"}),
    ("which three of those are the biggest?", {**IDLE, "order_by": "amount", "limit": 3}),
])
def test_the_list_just_shown_is_searched_again_in_the_order_asked(text, expected):
    assert narrowed(text, after("find_deals", IDLE), VIEWS) == ("find_deals", expected)


def test_sorting_after_one_record_was_picked_sorts_the_whole_list_again():
    picked = {**IDLE, "order_by": "amount", "limit": 1}
    assert narrowed("sort those by close date", after("find_deals", picked), VIEWS) == \
        ("find_deals", {**IDLE, "order_by": "close_date"})


@pytest.mark.parametrize("text", [
    "move the biggest one of them to negotiation",  # an action on the list: a request of its own
    "what's the biggest deal at Acme?",  # no pointing back at the list
    "which of them was touched last?",  # no order a deal search knows
])
def test_what_is_no_narrowing_is_left_to_the_ordinary_reading(text):
    assert narrowed(text, after("find_deals", IDLE), VIEWS) is None


def test_only_the_answer_to_the_previous_message_is_narrowed():
    earlier = after("find_deals", IDLE) + [Turn("user", "thanks"), Turn("assistant", "You're welcome.")]
    assert narrowed("what's the biggest one among them?", earlier, VIEWS) is None
    assert narrowed("what's the biggest one among them?", after("find_contacts", {"account": "Acme"}), VIEWS) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("which of them is most likely to close?", {**IDLE, "order_by": "win_probability", "limit": 1}),
    ("哪个最有希望签下来？", {**IDLE, "order_by": "win_probability", "limit": 1}),
    ("which one is the likeliest to close?", {**IDLE, "order_by": "win_probability", "limit": 1}),
])
def test_a_question_naming_an_action_asks_which_record_and_narrows(text, expected):
    assert narrowed(text, after("find_deals", IDLE), VIEWS, names_something=False) == ("find_deals", expected)


@pytest.mark.parametrize("text", [
    "close the most likely of them",  # a request naming an action: read as that request
    "把其中最有希望的那个推到谈判阶段",
])
def test_a_request_naming_an_action_is_no_narrowing(text):
    assert narrowed(text, after("find_deals", IDLE), VIEWS, names_something=False) is None


def test_which_one_naming_an_account_of_its_own_is_a_new_question():
    assert narrowed("哪个最有希望签下来？", after("find_deals", IDLE), VIEWS, names_something=True) is None
