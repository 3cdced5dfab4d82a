"""How many open deals do I have and what are they worth: the asker's own open deals, counted and summed over every
match (not only the rows a list shows), in either language; one deal asked about by its id."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from crm.models import OPEN_STAGES, Deal, User
from tests.conftest import FIXED_NOW
from tools.base import ToolContext
from tools.registry import ALL


def _own_open(tessera, login: str) -> tuple[int, Decimal]:
    with tessera.store.session() as s:
        owner = s.scalar(select(User).where(User.login == login))
        return tuple(s.execute(select(func.count(), func.sum(Deal.amount))
                               .where(Deal.owner_id == owner.id, Deal.stage.in_(OPEN_STAGES))).one())


def _find(tessera, login: str, **args) -> dict:
    ctx = ToolContext(store=tessera.store, actor=tessera.actor(login), clock=lambda: FIXED_NOW)
    return ALL["find_deals"].invoke(ctx, args)


def test_the_sum_covers_every_match_not_only_the_rows_returned(tessera):
    found = _find(tessera, "zhao.lei")  # a manager: every unit's deals, far more than one page
    assert found["total"] > len(found["items"])
    with tessera.store.session() as s:
        everything = s.scalar(select(func.sum(Deal.amount)))
    assert round(found["amount_total"]) == round(float(everything))


def test_open_deals_of_mine_are_counted_and_summed_in_english_and_chinese(tessera):
    count, worth = _own_open(tessera, "james.liu")
    shown = f"{float(worth):,.0f}"
    for n, question in enumerate(["how many open deals do I have and what are they worth in total",
                                  "我现在有几个在跟的单子，加起来一共多少钱？"]):
        turn = tessera.chat("james.liu", f"totals-{n}", question)
        assert [c["name"] for c in turn.tool_calls] == ["find_deals"], turn.reply
        assert turn.tool_calls[0]["args"] == {"owner": "me", "open": True}
        assert shown in turn.reply and str(count) in turn.reply, turn.reply
        assert "first 50" not in turn.reply


def test_one_deal_by_its_id_is_read_whatever_the_other_words_say(tessera):
    found = _find(tessera, "li.wei", deal="D-1925", stage="won")
    assert [i["deal"] for i in found["items"]] == ["D-1925"]
    other = _find(tessera, "li.wei", deal="D-1905")  # another unit's deal: not among the deals li.wei can see
    assert other["ok"] is False and "D-1905" in other["error"]
