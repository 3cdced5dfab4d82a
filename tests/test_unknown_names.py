"""A name the user's records do not hold is said to be unknown, in their language, and never leaks another unit's."""
from __future__ import annotations

import pytest
from sqlalchemy import text as text_of

from crm.actor import NotFound
from crm.logins import active_actor
from crm.services.lookup import close_account_names, resolve_account
from llm.offline.unknown_names import introduced_names


@pytest.mark.parametrize("text, name", [
    ("看一下中科化工的商机", "中科化工"),
    ("帮我查一下康泰制药的联系人", "康泰制药"),
    ("看一下和吴刚的会议", "吴刚"),
    ("show me Contoso Pharma's deals", "Contoso Pharma"),
    ("看一下Contoso Pharma的商机", "Contoso Pharma"),
    ("log a visit to 中科化工 yesterday, we discussed the order", "中科化工"),  # Chinese inside English: a name
])
def test_a_span_in_a_names_place_is_read_as_a_name(text, name):
    assert [f.value for f in introduced_names(text, [])] == [name]


@pytest.mark.parametrize("text", ["看一下本月的商机", "看一下我的商机", "看一下所有的商机", "看一下谈判阶段的商机",
                                  "华东区的商机", "列出金额最大的商机", "重点客户的商机", "show me my deals",
                                  "我的deals", "show 我的商机"])
def test_ordinary_words_in_those_places_stay_ordinary(text):
    assert introduced_names(text, []) == []


def test_another_units_account_is_not_found_in_chinese_and_none_of_the_reps_deals_are_listed(tessera):
    turn = tessera.chat("li.wei", "unknown", "看一下中科化工的商机")  # 中科化工 is unit 3's; 李伟 is in unit 1
    assert [(c["name"], c["args"]) for c in turn.tool_calls] == [("find_deals", {"account": "中科化工"})]
    assert "没有找到“中科化工”" in turn.reply
    assert "D-" not in turn.reply and "did not work" not in turn.reply


def test_an_account_in_no_store_is_not_found_in_english(tessera):
    turn = tessera.chat("li.wei", "unknown", "show me the deals of Contoso Pharma")
    assert [c["args"] for c in turn.tool_calls] == [{"account": "Contoso Pharma"}]
    assert "no account matching 'Contoso Pharma'" in turn.reply and "D-" not in turn.reply


def test_close_matches_come_only_from_the_users_own_accounts(store):
    with store.session() as s:
        rep = active_actor(s, "li.wei")
        assert close_account_names(s, rep, "Acme Robotix") == ["Acme Robotics"]
        assert close_account_names(s, rep, "中科化工") == []  # unit 3's own name is not offered to unit 1
        with pytest.raises(NotFound) as refused:
            resolve_account(s, rep, "Acme Robotix Co")
    assert refused.value.kind == "not_among_yours_close" and refused.value.details["close"] == ["Acme Robotics"]


def test_another_units_account_named_in_chinese_inside_english_is_not_asked_for_again_and_nothing_is_logged(tessera):
    with tessera.store.session() as s:
        before = s.execute(text_of("select count(*) from activities")).scalar()
    turn = tessera.chat("james.liu", "visit", "log a visit to 华润新材料 yesterday, we discussed the Q1 order volume")
    assert "no account matching '华润新材料'" in turn.reply and "Which account" not in turn.reply
    with tessera.store.session() as s:
        assert s.execute(text_of("select count(*) from activities")).scalar() == before
