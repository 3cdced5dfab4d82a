"""Tool errors a user meets carry a kind, and a Chinese reply words them in Chinese from it (replies.yaml `errors:`)."""
from __future__ import annotations

from llm.offline.phrasing import phrase_result
from tests.conftest import FIXED_NOW
from tools.base import ToolContext, dumps
from tools.registry import ALL


def call(tessera, login: str, tool: str, **args) -> dict:
    ctx = ToolContext(store=tessera.store, actor=tessera.actor(login), clock=lambda: FIXED_NOW)
    return ALL[tool].invoke(ctx, args)


def test_a_not_found_account_says_so_in_chinese_and_keeps_its_english_for_english(tessera):
    result = call(tessera, "li.wei", "find_deals", account="中科化工")
    assert result["error_kind"] == "not_among_yours"
    assert result["error_details"] == {"what": "account", "name": "中科化工"}
    zh = phrase_result("find_deals", dumps(result), "zh")
    assert "在您能查看的客户中没有找到“中科化工”" in zh and "among" not in zh
    assert "no account matching '中科化工' among the accounts you can see" in phrase_result("find_deals", dumps(result), "en")


def test_invalid_arguments_and_a_past_due_day_are_worded_in_chinese(tessera):
    bad = call(tessera, "li.wei", "move_deal_stage", deal="D-1925", stage="somewhere")
    assert bad["error_kind"] == "invalid_arguments" and bad["error_details"]["fields"] == ["stage"]
    assert "stage" in phrase_result("move_deal_stage", dumps(bad), "zh") and "invalid arguments" not in \
        phrase_result("move_deal_stage", dumps(bad), "zh")
    past = call(tessera, "li.wei", "create_task", what="给Mark Taylor打电话", day="2026-11-01", contact="Mark Taylor")
    assert past["error_kind"] == "due_in_past"
    assert "已经过去了" in phrase_result("create_task", dumps(past), "zh")


def test_an_ambiguous_name_asks_in_chinese_and_still_lists_the_candidates(tessera):
    result = call(tessera, "li.wei", "find_deals", account="Alpine")
    assert result["error_kind"] == "ambiguous" and len(result["candidates"]) > 1
    zh = phrase_result("find_deals", dumps(result), "zh")
    assert "“Alpine”对应多个客户" in zh and all(c in zh for c in result["candidates"]) and "matches several" not in zh


def test_every_kind_the_domain_raises_has_its_chinese_words():
    import re
    from pathlib import Path

    from llm.offline.replies import _data

    worded = set(_data()["errors"])
    raised = set()
    for path in Path("crm").rglob("*.py"):
        raised |= set(re.findall(r'raise (?:NotFound|AccessDenied|Invalid)\((?:[^()]|\([^()]*\))*?kind="([a-z_]+)"',
                                 path.read_text(encoding="utf-8"), re.S))
    raised |= {"ambiguous", "invalid_arguments"}
    assert len(raised) > 20 and raised <= worded, raised - worded
