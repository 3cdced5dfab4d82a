"""Pipeline as it stood on a past day: "what was our pipeline at the end of last quarter", "上个月底的在谈金额",
"pipeline vs the same quarter last year" measure the deals open then, in the stage they were in then (the stage
history), not today's open deals. Values against SQL written here, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import text

from crm.metrics import MetricQuery, run_query
from crm.metrics.answer import sentence
from crm.store import Store
from tests.metrics_support import AS_OF, NOW, caller

OPEN = "('lead', 'qualified', 'proposal', 'negotiation')"
WEIGHT = ("CASE t.stage WHEN 'lead' THEN 0.1 WHEN 'qualified' THEN 0.25 WHEN 'proposal' THEN 0.5 "
          "WHEN 'negotiation' THEN 0.75 END")


def stage_then(day: str) -> str:
    """Each deal with the stage its latest move before the end of `day` put it in (written apart from the engine:
    the latest move found by ORDER BY … LIMIT 1)."""
    end = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()
    return (f"(SELECT d.id, d.amount, d.unit_id, c.to_stage AS stage FROM deals d JOIN deal_stage_changes c "
            f"ON c.deal_id = d.id WHERE c.id = (SELECT c2.id FROM deal_stage_changes c2 WHERE c2.deal_id = d.id "
            f"AND c2.at < '{end}' ORDER BY c2.at DESC, c2.id DESC LIMIT 1))")


def expected(session, day: str, region: str = "east") -> dict[str, float]:
    row = session.execute(text(
        f"SELECT SUM(t.amount), COUNT(*), SUM(t.amount * {WEIGHT}) FROM {stage_then(day)} t "
        f"JOIN sales_units u ON u.id = t.unit_id WHERE u.region = '{region}' AND t.stage IN {OPEN}")).one()
    return {"pipeline_value": float(row[0]), "open_deals": row[1], "weighted_pipeline": float(row[2])}


def ask(store: Store, query: dict, login: str = "zhao.lei"):
    with store.session() as s:
        return run_query(s, MetricQuery.of(query), caller(s, login), as_of=AS_OF, now=NOW)


@pytest.fixture
def seeded(seeded_template, tmp_path):
    shutil.copy(seeded_template, tmp_path / "pipeline.db")
    store = Store(f"sqlite:///{tmp_path / 'pipeline.db'}")
    yield store
    store.dispose()


METRICS = ["pipeline_value", "open_deals", "weighted_pipeline"]


def check_end_of_last_quarter(store: Store) -> None:
    result = ask(store, {"metrics": METRICS, "period": {"relative": "last", "grain": "quarter"}})
    with store.session() as s:
        then, now = expected(s, "2026-09-30"), expected(s, AS_OF.isoformat())
    [row] = result.rows
    assert result.as_of_day == dt.date(2026, 9, 30)
    for m in METRICS:
        assert row[m] == pytest.approx(then[m], abs=0.01), m
    assert then["pipeline_value"] != now["pipeline_value"]  # not today's open deals


def test_the_pipeline_at_the_end_of_last_quarter_is_the_deals_open_then_in_their_stage_then(seeded):
    check_end_of_last_quarter(seeded)
    said = sentence(ask(seeded, {"metrics": ["pipeline_value"], "period": {"relative": "last", "grain": "quarter"}}))
    assert said.startswith("Pipeline value as of 2026-09-30, the end of 2026-Q3: ¥")


def test_as_of_today_the_stage_history_gives_todays_open_pipeline(seeded):
    with seeded.session() as s:
        today = s.execute(text(f"SELECT SUM(d.amount), COUNT(*) FROM deals d JOIN sales_units u ON u.id = d.unit_id "
                               f"WHERE u.region = 'east' AND d.stage IN {OPEN}")).one()
    [row] = ask(seeded, {"metrics": METRICS, "period": {"relative": "this", "grain": "quarter"}, "snapshot": True}).rows
    assert (row["pipeline_value"], row["open_deals"]) == (pytest.approx(float(today[0])), today[1])


def test_pipeline_vs_the_same_quarter_last_year_compares_then_with_now(seeded):
    result = ask(seeded, {"metrics": ["pipeline_value"], "period": {"relative": "this", "grain": "quarter"},
                          "compare_to": "same_period_last_year"})
    with seeded.session() as s:
        now, year_ago = expected(s, "2026-11-26"), expected(s, "2025-11-26")
    [row] = result.rows
    assert row["pipeline_value"] == pytest.approx(now["pipeline_value"])
    assert row["pipeline_value_previous"] == pytest.approx(year_ago["pipeline_value"])
    assert "as of 2025-11-26" in sentence(result)


def test_the_pipeline_by_stage_at_the_end_of_last_month_uses_the_stage_then(seeded):
    result = ask(seeded, {"metrics": ["pipeline_value"], "group_by": ["stage"],
                          "period": {"relative": "last", "grain": "month"}})
    with seeded.session() as s:
        want = dict(s.execute(text(f"SELECT t.stage, SUM(t.amount) FROM {stage_then('2026-10-31')} t "
                                   f"JOIN sales_units u ON u.id = t.unit_id WHERE u.region = 'east' "
                                   f"AND t.stage IN {OPEN} GROUP BY t.stage")).all())
    assert {r["stage"]: r["pipeline_value"] for r in result.rows} == pytest.approx({k: float(v) for k, v in want.items()})


def test_pipeline_expected_to_close_this_quarter_stays_dated_by_the_expected_close(seeded):
    """A period still running, nothing compared: the open deals expected to close in it, as before; and a past period
    asked by expected close (snapshot false) is today's open deals expected then."""
    with seeded.session() as s:
        def by_close(start, end):
            return float(s.scalar(text(
                f"SELECT SUM(d.amount) FROM deals d JOIN sales_units u ON u.id = d.unit_id WHERE u.region = 'east' "
                f"AND d.stage IN {OPEN} AND d.expected_close BETWEEN '{start}' AND '{end}'")) or 0)
        this_quarter, last_quarter = by_close("2026-10-01", "2026-12-31"), by_close("2026-07-01", "2026-09-30")
    [row] = ask(seeded, {"metrics": ["pipeline_value"], "period": {"relative": "this", "grain": "quarter"}}).rows
    assert row["pipeline_value"] == pytest.approx(this_quarter) and this_quarter
    [row] = ask(seeded, {"metrics": ["pipeline_value"], "period": {"relative": "last", "grain": "quarter"},
                         "snapshot": False}).rows
    assert (row["pipeline_value"] or 0) == pytest.approx(last_quarter)


def test_a_deal_moved_today_changes_todays_pipeline_and_not_last_quarters(seeded):
    from sqlalchemy import select

    from crm.models import Deal, User
    from crm.services.deal_stages import change_stage

    before = ask(seeded, {"metrics": METRICS, "period": {"relative": "last", "grain": "quarter"}}).rows
    with seeded.session() as s:
        deal = s.scalar(select(Deal).join(User, User.id == Deal.owner_id)
                        .where(Deal.stage == "negotiation", User.login == "li.wei").order_by(Deal.id))
        change_stage(s, deal, "lost", by=deal.owner_id, at=dt.datetime.combine(AS_OF, dt.time(9, 50)))
    assert ask(seeded, {"metrics": METRICS, "period": {"relative": "last", "grain": "quarter"}}).rows == before
    with seeded.session() as s:
        assert expected(s, AS_OF.isoformat())["open_deals"] == \
            ask(seeded, {"metrics": ["open_deals"], "period": {"relative": "this", "grain": "quarter"},
                         "snapshot": True}).rows[0]["open_deals"]


@pytest.mark.postgres
def test_the_pipeline_at_the_end_of_last_quarter_on_postgres():
    from tessera.seeding import seed_everything
    from tests.postgres_support import migrated_store, scratch_or_skip

    with scratch_or_skip("tessera_pipeline_as_of") as url, migrated_store(url, seed_everything) as store:
        check_end_of_last_quarter(store)
