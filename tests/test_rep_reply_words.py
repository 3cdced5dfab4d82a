"""A rep's reply speaks one language and answers what was asked: a total leads a list asked for a total; a Chinese
reply to a write carries no English sentence or marker; the write itself is the only change to the store."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import Activity, Deal


def _rows(tessera, entity) -> list[tuple]:
    with tessera.store.session() as s:
        return [tuple(getattr(r, c.key) for c in entity.__table__.columns) for r in s.scalars(select(entity))]


def test_a_question_for_a_total_is_answered_with_the_sum_before_the_list(tessera):
    deals = _rows(tessera, Deal)
    turn = tessera.chat("wang.fang", "total", "what's the total value of my open deals?")
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"]
    first = turn.reply.splitlines()[0]
    assert first.startswith("Total") and any(ch.isdigit() for ch in first)  # the sum (of the rows shown, if cut)
    listed = tessera.chat("wang.fang", "list", "show me my open deals")
    assert not listed.reply.startswith("Total")  # a list not asked for a total stays a list
    assert _rows(tessera, Deal) == deals


def test_a_chinese_log_reply_has_no_english_sentence_or_marker_and_writes_one_activity(tessera):
    before = _rows(tessera, Activity)
    turn = tessera.chat("li.wei", "zh-log", "记录一下今天给北辰医疗器械打了电话，讨论续约")
    assert [c["name"] for c in turn.tool_calls] == ["log_activity"]
    assert "logged" not in turn.reply and "(created)" not in turn.reply and "（新建）" in turn.reply
    assert "类型: 电话" in turn.reply and "kind: call" not in turn.reply
    after = _rows(tessera, Activity)
    assert after[:len(before)] == before and len(after) == len(before) + 1
