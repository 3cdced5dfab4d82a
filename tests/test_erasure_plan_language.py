"""An erasure plan shown to a customer who writes Chinese names every place in Chinese: the plan of an irreversible
action is read before the yes, so none of it may be in a language the customer did not write in."""
from __future__ import annotations

import re

from crm.privacy.erasure_words import place_in
from tests.security.erasure_support import changed_rows, snapshot

_ENGLISH_WORD = re.compile(r"\b(?!(?:Slack|API)\b)[A-Za-z]{2,}\b")  # product names stay as they are


def test_a_chinese_erasure_plan_lists_every_place_in_chinese_and_erases_nothing_before_the_yes(tessera):
    before = snapshot(tessera.store)
    plan = tessera.chat("cust.chen.jing", "erase", "删除我的所有数据")
    assert plan.confirmation is not None and plan.confirmation["tool"] == "erase_my_data"
    places = [line for line in plan.reply.splitlines() if line.startswith("- ")]
    assert places and not [p for p in places if _ENGLISH_WORD.search(p)], places
    assert "- 您的姓名、职位、邮箱、电话、城市: 5" in places
    assert "contacts" not in set(changed_rows(before, snapshot(tessera.store)))


def test_every_place_an_erasure_reaches_has_chinese_words(tessera):
    names = [t.name for t in tessera.eraser.targets]
    assert names, "the runtime registers the copies outside the store (vector memory, threads, traces, ...)"
    assert [n for n in names if place_in(n, "zh") == n] == []
    assert place_in("mentions of you in other cases", "zh") == "其他人的工单中提到您的地方"
    assert place_in("your phone", "en") == "your phone"  # English stays English
