"""An account with a Chinese name typed in pinyin without tones ("Hongda", "zhenghe nengyuan") is found, by the
store's lookup (any model's tool call) and by the offline model's reading; never an account of another unit."""
from __future__ import annotations

import pytest

from crm.actor import NotFound
from crm.pinyin_names import latin_forms, typed_as
from crm.services.lookup import resolve_account
from tests.test_sales_tools import call


def test_a_chinese_name_is_written_word_by_word_and_a_name_read_two_ways_both_ways():
    assert latin_forms("宏达机械") == ("hongda jixie",)
    assert set(latin_forms("长风半导体")) == {"zhangfeng bandaoti", "changfeng bandaoti"}
    assert latin_forms("Acme Robotics") == ()
    assert typed_as("Hongda", "宏达机械") and typed_as("ZhengheNengyuan", "正和能源")
    assert not typed_as("hong", "宏达机械")  # too short to name anything
    assert not typed_as("jixie", "宏达机械")  # only leading words name a company ("machinery" names none)


def test_the_lookup_finds_an_account_typed_in_pinyin_within_the_callers_unit_only(tessera):
    with tessera.store.session() as s:
        assert resolve_account(s, tessera.actor("wang.fang"), "Hongda").name == "宏达机械"
        assert resolve_account(s, tessera.actor("li.wei"), "zhenghe nengyuan").name == "正和能源"
        with pytest.raises(NotFound):  # 宏达机械 is north-industry's: not among li.wei's accounts
            resolve_account(s, tessera.actor("li.wei"), "Hongda")
    assert call(tessera, "wang.fang", "find_deals", account="hongda")["about"] == {"account": "宏达机械"}


@pytest.mark.parametrize("login, text, tool, account", [
    ("wang.fang", "pull up the Hongda deals", "find_deals", "宏达机械"),
    ("li.wei", "who do we know at Changfeng?", "find_contacts", "长风半导体"),
])
def test_a_pinyin_name_in_a_message_names_the_account(tessera, login, text, tool, account):
    turn = tessera.chat(login, "t", text)
    assert [(c["name"], c["args"].get("account")) for c in turn.tool_calls] == [(tool, account)], turn.reply
