"""A manager asking how the team is doing, naming no metric, hears the default scorecard (crm/metrics/scorecard.yaml)
of their own region beside the period before; a metric question naming no metric offers a few metrics, numbered, by
their names in the asker's language, and "2" / "第一个" answers it. Expected figures by hand-written SQL."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from crm.metrics import default_catalog
from crm.metrics.answer import fmt
from crm.metrics.scorecard import default_scorecard, load_scorecard
from tests.security.erasure_support import changed_rows, snapshot

WON = ("SELECT SUM(d.amount), COUNT(*) FROM deals d JOIN sales_units u ON u.id = d.unit_id "
       "WHERE d.stage = 'won' AND u.region = :region AND d.closed_on BETWEEN :start AND :end")


def _won(tessera, region: str, start: str, end: str) -> tuple[float, int]:
    with tessera.store.session() as s:
        value, count = s.execute(text(WON), {"region": region, "start": start, "end": end}).one()
    return float(value), int(count)


@pytest.mark.parametrize(("login", "region", "question", "lang"), [
    ("zhao.lei", "east", "how is my team doing this quarter compared to last quarter?", "en"),
    ("liang.yu", "south", "我们组这个季度表现怎么样？", "zh"),
])
def test_how_is_my_team_doing_is_the_scorecard_of_the_managers_region(tessera, login, region, question, lang):
    before = snapshot(tessera.store)
    turn = tessera.chat(login, "scorecard", question)
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"], turn.reply
    args = turn.tool_calls[0]["args"]
    assert args["metrics"] == list(default_scorecard().metrics)
    assert args["compare_to"] == "previous_period"
    head = turn.reply.split("\n")[0]
    now_value, now_count = _won(tessera, region, "2026-10-01", "2026-12-31")
    then_value, then_count = _won(tessera, region, "2026-07-01", "2026-09-30")
    for figure in (fmt(now_value, "money", lang), fmt(then_value, "money", lang), f"{now_count}", f"{then_count}"):
        assert figure in head, (figure, head)
    names = [default_catalog().metrics[m].name_in(lang) for m in default_scorecard().metrics]
    assert all(name.lower() in head.lower() for name in names) and "won_value" not in head
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "privacy_audit_log"}


def test_another_regions_scorecard_is_not_the_askers(tessera):
    east = tessera.chat("zhao.lei", "east", "how is my team doing this quarter?").reply.split("\n")[0]
    north = tessera.chat("olivia.wang", "north", "how is my team doing this quarter?").reply.split("\n")[0]
    assert fmt(_won(tessera, "east", "2026-10-01", "2026-12-31")[0], "money", "en") in east
    assert fmt(_won(tessera, "north", "2026-10-01", "2026-12-31")[0], "money", "en") in north
    assert east != north


@pytest.mark.parametrize(("question", "answer", "lang"), [
    ("compare this quarter with last quarter for my team", "2", "en"),
    ("这个季度和上个季度对比一下", "第一个", "zh"),
])
def test_no_metric_named_offers_numbered_metrics_by_name_and_a_number_answers(tessera, question, answer, lang):
    asked = tessera.chat("zhao.lei", "which", question)
    assert asked.tool_calls == []
    offered = [m for m in default_catalog().metrics.values() if m.name_in(lang) in asked.reply]
    assert "(1)" in asked.reply and "(2)" in asked.reply and 2 <= len(offered) <= 4, asked.reply
    assert not any(m.name in asked.reply for m in default_catalog().metrics.values())  # no internal ids
    assert "won_value" not in asked.reply and "active_reps" not in asked.reply
    turn = tessera.chat("zhao.lei", "which", answer)
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"], turn.reply
    assert len(turn.tool_calls[0]["args"]["metrics"]) == 1
    assert turn.tool_calls[0]["args"]["compare_to"] == "previous_period"
    picked = default_catalog().metrics[turn.tool_calls[0]["args"]["metrics"][0]]
    number = 2 if answer == "2" else 1
    assert f"({number}) {picked.name_in(lang)}" in asked.reply


def test_a_scorecard_naming_an_unknown_metric_is_refused_when_read(tmp_path):
    path = tmp_path / "scorecard.yaml"
    path.write_text("metrics: [won_value, happiness]\noffered: [won_value]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="happiness"):
        load_scorecard(path, default_catalog())
    path.write_text("metrics: [won_value, won_deals, win_rate, new_deals, orders]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="1 to 4"):
        load_scorecard(path, default_catalog())
