""""Deals closing this month" are the open deals expected to close in the month, never the ones already won or lost;
"deals won last quarter" are the ones closed in that quarter. Checked against the store, through chat."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from crm.models import OPEN_STAGES, Deal
from crm.services.deals import find_deals

REP_EAST = "li.wei"
NOVEMBER = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))  # the tests' clock says 2026-11-26
LAST_QUARTER = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))


def deal_ids(tessera, login: str, *conditions) -> set[str]:
    actor = tessera.actor(login)
    with tessera.store.session() as s:
        return {f"D-{i}" for i in s.scalars(select(Deal.id).where(Deal.unit_id == actor.unit_id, *conditions))}


def listed(turn) -> tuple[int, set[str]]:
    """How many deals the reply says it found, and the ones its table shows (the first ten)."""
    found = re.search(r"Found (\d+) deals|共找到 (\d+) 个商机", turn.reply)
    rows = {line.split(" ", 1)[0] for line in turn.reply.splitlines() if line.startswith("D-")}
    return int(found.group(1) or found.group(2)), rows


def shows(turn, expected: set[str]) -> bool:
    total, rows = listed(turn)
    return total == len(expected) and rows and rows <= expected


@pytest.mark.parametrize("message", ["deals closing this month", "本月要成交的商机有哪些",
                                     "which deals are expected to be won this month"])
def test_deals_closing_this_month_are_the_open_ones_expected_in_it(tessera, message):
    expected = deal_ids(tessera, REP_EAST, Deal.stage.in_(OPEN_STAGES), Deal.expected_close.between(*NOVEMBER))
    closed_in_month = deal_ids(tessera, REP_EAST, Deal.stage.not_in(OPEN_STAGES),
                               Deal.expected_close.between(*NOVEMBER))
    assert expected and closed_in_month  # the seed has both, or the test tells nothing
    turn = tessera.chat(REP_EAST, "closing", message)
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"]
    assert "stage" not in turn.tool_calls[0]["args"]
    assert shows(turn, expected), turn.reply


def test_deals_won_last_quarter_are_the_ones_closed_in_it(tessera):
    expected = deal_ids(tessera, REP_EAST, Deal.stage == "won", Deal.closed_on.between(*LAST_QUARTER))
    turn = tessera.chat(REP_EAST, "won", "上季度赢单的项目")
    assert turn.tool_calls[0]["args"]["stage"] == "won"
    assert shows(turn, expected), turn.reply


def test_a_period_without_a_stage_leaves_out_closed_deals_for_every_caller(tessera):
    with tessera.store.session() as s:
        items, total, _ = find_deals(s, tessera.actor("zhao.lei"), start=NOVEMBER[0], end=NOVEMBER[1], limit=500)
        every = s.scalars(select(Deal).where(Deal.expected_close.between(*NOVEMBER))).all()
    assert total == len(items) == sum(d.stage in OPEN_STAGES for d in every) < len(every)
    assert all(i["stage"] in OPEN_STAGES and i["closed_on"] is None for i in items)
