"""Three faults managers met: "show me my team's deals" listed every unit's deals (a manager sees all records, but
their team is the units of their region, as their figures are); "forecast won value for the rest of the year" was
answered by the metrics (what has happened) instead of the forecast (what is still to come); and "why is the first
one at risk?" after the deals at risk repeated the list instead of explaining that deal. Expected rows by SQL."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.security.erasure_support import changed_rows, snapshot

REGION_DEALS = "SELECT COUNT(*) FROM deals d JOIN sales_units u ON u.id = d.unit_id WHERE u.region = :region"


@pytest.mark.parametrize(("login", "region", "question"), [
    ("zhao.lei", "east", "show me my team's deals"),
    ("olivia.wang", "north", "我们组的商机"),
    ("liang.yu", "south", "list the deals of my team"),
])
def test_my_teams_deals_are_the_deals_of_the_managers_region(tessera, login, region, question):
    before = snapshot(tessera.store)
    turn = tessera.chat(login, "team", question)
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"], turn.reply
    assert turn.tool_calls[0]["args"].get("unit") == "mine"
    with tessera.store.session() as s:
        want = s.execute(text(REGION_DEALS), {"region": region}).scalar()
        every = s.execute(text("SELECT COUNT(*) FROM deals")).scalar()
    assert want < every
    assert f"{want}" in turn.reply.split("\n")[0], turn.reply[:200]
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "privacy_audit_log"}  # never writes


@pytest.mark.parametrize(("login", "region", "question"), [
    ("zhao.lei", "east", "How many deals over 500K did we win"),
    ("olivia.wang", "north", "我们赢了几个超过50万的单子？"),
])
def test_we_said_by_a_manager_are_the_managers_region(tessera, login, region, question):
    """A count of big deals is a figure of the manager's region: the metric layer counts the won deals over 500K
    there (each deal's amount bounded), not every region's deals."""
    turn = tessera.chat(login, "we", question)
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"], turn.reply
    assert turn.tool_calls[0]["args"]["amount"] == [{"op": ">", "value": 500000.0}]
    with tessera.store.session() as s:
        won_big = ("SELECT COUNT(*) FROM deals d JOIN sales_units u ON u.id = d.unit_id WHERE d.stage = 'won' "
                   "AND d.amount > 500000")
        want = s.execute(text(won_big + " AND u.region = :region"), {"region": region}).scalar()
        every = s.execute(text(won_big)).scalar()
    assert 0 < want < every
    assert f"{want}" in turn.reply.split("\n")[0], turn.reply[:200]


def test_a_managers_plain_deals_question_still_sees_every_unit(tessera):
    turn = tessera.chat("zhao.lei", "all", "show me the deals")
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"], turn.reply
    assert "unit" not in turn.tool_calls[0]["args"]


def test_my_team_is_one_rule_for_records_and_figures(store):
    from crm.actor import Actor
    from crm.metrics import caller_of
    from crm.models import User
    from crm.services.scope import team_unit_ids

    with store.session() as s:
        for login in ("zhao.lei", "olivia.wang", "liang.yu", "li.wei"):
            user = s.query(User).filter_by(login=login).one()
            actor = Actor(user_id=user.id, login=login, role=user.role, unit_id=user.unit_id)
            assert sorted(team_unit_ids(s, actor)) == sorted(caller_of(s, actor).units), login


@pytest.mark.parametrize(("question", "lang"), [
    ("forecast won value for the rest of the year", "en"),
    ("预测一下年底前的赢单金额", "zh"),
])
def test_a_forecast_to_the_end_of_the_year_is_the_forecast_of_this_quarter(tessera, question, lang):
    turn = tessera.chat("zhao.lei", "forecast", question)
    assert [c["name"] for c in turn.tool_calls] == ["forecast_revenue"], turn.reply
    assert turn.tool_calls[0]["args"]["quarters"] == "this"  # today (26 Nov) is in the year's last quarter


def test_last_quarters_won_value_is_still_a_metric_even_beside_the_word_forecast(tessera):
    turn = tessera.chat("zhao.lei", "actuals", "how did last quarter's won value compare to the forecast?")
    assert [c["name"] for c in turn.tool_calls] == ["query_metrics"], turn.reply


@pytest.mark.parametrize(("follow_up", "pick", "lang"), [
    ("why is the first one at risk?", 0, "en"),
    ("第二个为什么有风险？", 1, "zh"),
])
def test_why_is_the_first_one_at_risk_explains_that_deal(tessera, follow_up, pick, lang):
    listed = tessera.chat("olivia.wang", f"risk-{lang}", "哪些商机有风险" if lang == "zh" else "which deals are at risk?")
    items = [line.split("|")[0].strip() for line in listed.reply.split("\n") if line.startswith("D-")]
    assert len(items) >= 2, listed.reply
    before = snapshot(tessera.store)
    turn = tessera.chat("olivia.wang", f"risk-{lang}", follow_up)
    assert [c["name"] for c in turn.tool_calls] == ["deals_at_risk"], turn.reply
    assert turn.tool_calls[0]["args"].get("deal") == items[pick]
    head = turn.reply.split("\n")[0]
    assert head.startswith(items[pick]), head  # that deal and its signals, not the list again
    assert ("风险信号" if lang == "zh" else "at risk for") in head
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"turn_traces", "privacy_audit_log"}  # never writes


def test_a_deal_of_another_region_is_not_explained(tessera):
    with tessera.store.session() as s:
        other = s.execute(text("SELECT d.id FROM deals d JOIN sales_units u ON u.id = d.unit_id WHERE u.region = 'south' "
                               "AND d.stage IN ('lead', 'qualified', 'proposal', 'negotiation') LIMIT 1")).scalar()
    turn = tessera.chat("olivia.wang", "other", f"why is D-{other} at risk?")
    assert [c["name"] for c in turn.tool_calls] == ["deals_at_risk"], turn.reply
    assert "not an open deal in your scope" in turn.reply
