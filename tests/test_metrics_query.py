"""The query shape (periods, comparisons, ranking, thresholds, time grains, filters) and who may see what."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from crm.actor import AccessDenied, Actor
from crm.metrics import MINE, MetricQuery, UnknownMetric, caller_of, resolve, run_query
from crm.metrics.engine import compile_sql
from crm.models import User
from crm.privacy.consents import record_consent
from tests.metrics_support import AS_OF, NOW, ask, caller, scalar


@pytest.mark.parametrize(("spec", "start", "end"), [
    ({"relative": "past", "grain": "month", "n": 5}, "2026-06-01", "2026-10-31"),
    ({"relative": "past", "grain": "week", "n": 6}, "2026-10-12", "2026-11-22"),
    ({"relative": "this", "grain": "quarter"}, "2026-10-01", "2026-12-31"),
    ({"relative": "last", "grain": "quarter"}, "2026-07-01", "2026-09-30"),
    ({"relative": "to_date", "grain": "year"}, "2026-01-01", "2026-11-26"),
    ({"relative": "next", "grain": "quarter"}, "2027-01-01", "2027-03-31"),
    ({"fiscal_year": 2025, "quarter": 3}, "2025-07-01", "2025-09-30"),
    ({"fiscal_year": 2025}, "2025-01-01", "2025-12-31"),
    ({"start": "2026-02-03", "end": "2026-02-20"}, "2026-02-03", "2026-02-20"),
])
def test_periods_resolve_on_the_day_asked(spec, start, end):
    period = resolve(spec, AS_OF)
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)


def test_comparisons_step_back_by_the_period_or_a_year():
    q3 = resolve({"fiscal_year": 2025, "quarter": 3}, AS_OF)
    assert (q3.shifted("previous_period").start, q3.shifted("previous_period").end) == (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    assert (q3.shifted("same_period_last_year").start, q3.shifted("same_period_last_year").end) == (dt.date(2024, 7, 1), dt.date(2024, 9, 30))
    past = resolve({"relative": "past", "grain": "month", "n": 5}, AS_OF).shifted("previous_period")
    assert (past.start, past.end) == (dt.date(2026, 1, 1), dt.date(2026, 5, 31))
    free = resolve({"start": "2026-02-03", "end": "2026-02-12"}, AS_OF).shifted("previous_period")
    assert (free.start, free.end) == (dt.date(2026, 1, 24), dt.date(2026, 2, 2))


def test_won_value_by_unit_in_a_fiscal_quarter_against_the_same_quarter_a_year_before(metrics_store):
    result = ask(metrics_store, "admin", metrics=["won_value"], group_by=["unit"], order="desc",
                 period={"fiscal_year": 2026, "quarter": 2}, compare_to="same_period_last_year")
    sql = ("SELECT SUM(d.amount) FROM deals d JOIN sales_units u ON u.id = d.unit_id WHERE d.stage = 'won' "
           "AND u.code = :unit AND d.closed_on BETWEEN :a AND :b")
    for row in result.rows:
        assert row["won_value"] == pytest.approx(float(scalar(metrics_store, sql, unit=row["unit"], a="2026-04-01", b="2026-06-30")))
        assert row["won_value_previous"] == pytest.approx(float(scalar(metrics_store, sql, unit=row["unit"], a="2025-04-01", b="2025-06-30")))
        assert row["won_value_change"] == pytest.approx((row["won_value"] - row["won_value_previous"]) / row["won_value_previous"], abs=1e-4)
    values = [r["won_value"] for r in result.rows]
    assert values == sorted(values, reverse=True) and len(values) == 6
    assert sum(r["share"] for r in result.rows) == pytest.approx(1, abs=0.001)
    assert result.totals["won_value"] == pytest.approx(sum(values))


def test_top_reps_with_at_least_five_closed_deals_by_win_rate(metrics_store):
    result = ask(metrics_store, "admin", metrics=["win_rate"], group_by=["rep"], order="desc", limit=5,
                 period={"relative": "to_date", "grain": "year"}, having=[{"metric": "closed_deals", "op": ">=", "value": 5}])
    rows = [tuple(r) for r in mstore_rows(metrics_store, """
        SELECT us.login, SUM(CASE WHEN d.stage = 'won' THEN 1.0 ELSE 0 END) / COUNT(*) AS rate FROM deals d
        JOIN users us ON us.id = d.owner_id WHERE d.stage IN ('won', 'lost') AND d.closed_on BETWEEN '2026-01-01' AND '2026-11-26'
        GROUP BY us.login HAVING COUNT(*) >= 5 ORDER BY rate DESC""")]
    assert [r["win_rate"] for r in result.rows] == pytest.approx([r[1] for r in rows[:5]], abs=1e-6)
    assert all(r["closed_deals"] >= 5 for r in result.rows)


def mstore_rows(store, sql):
    with store.session() as s:
        return s.execute(text(sql)).all()


def test_a_trend_by_month_over_the_past_five_months(metrics_store):
    result = ask(metrics_store, "admin", metrics=["complaints"], group_by=["month"],
                 period={"relative": "past", "grain": "month", "n": 5})
    assert [r["month"] for r in result.rows] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10"][-len(result.rows):]
    quarters = ask(metrics_store, "admin", metrics=["won_deals"], group_by=["quarter"], period={"fiscal_year": 2025})
    assert [r["quarter"] for r in quarters.rows] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert sum(r["won_deals"] for r in quarters.rows) == scalar(
        metrics_store, "SELECT COUNT(*) FROM deals WHERE stage = 'won' AND closed_on BETWEEN '2025-01-01' AND '2025-12-31'")
    weeks = ask(metrics_store, "admin", metrics=["new_deals"], group_by=["week"], period={"relative": "past", "grain": "week", "n": 6})
    assert all(dt.date.fromisoformat(r["week"]).weekday() == 0 for r in weeks.rows) and len(weeks.rows) == 6


def test_filters_by_words_names_and_mine(metrics_store):
    east = ask(metrics_store, "admin", metrics=["pipeline_value"], filters={"region": ["华东"]})
    assert east.totals["pipeline_value"] == pytest.approx(float(scalar(metrics_store, """
        SELECT SUM(d.amount) FROM deals d JOIN sales_units u ON u.id = d.unit_id
        WHERE u.region = 'east' AND d.stage IN ('lead', 'qualified', 'proposal', 'negotiation')""")))
    mine = ask(metrics_store, "zhao.lei", metrics=["pipeline_value"], filters={"region": [MINE]})
    assert mine.totals == east.totals
    by_name = ask(metrics_store, "admin", metrics=["won_deals"], filters={"unit": ["East Enterprise"]})
    assert by_name.filters == {"sales_units.code": ["east-enterprise"]}
    with pytest.raises(ValueError, match="no sales unit matches"):
        ask(metrics_store, "admin", metrics=["won_deals"], filters={"unit": ["Atlantis"]})


def test_a_rep_sees_their_unit_a_manager_their_region_and_a_customer_nothing(metrics_store):
    rep = ask(metrics_store, "li.wei", metrics=["won_value"], group_by=["unit"])
    assert [r["unit"] for r in rep.rows] == ["east-enterprise"]
    manager = ask(metrics_store, "zhao.lei", metrics=["won_value"], group_by=["unit"])
    assert [r["unit"] for r in manager.rows] == ["east-enterprise", "east-smb"]
    with pytest.raises(AccessDenied, match="North Industry is outside the figures you may read"):
        ask(metrics_store, "li.wei", metrics=["won_value"], filters={"unit": ["north-industry"]})  # said, not answered 0
    admin = ask(metrics_store, "admin", metrics=["won_value"], group_by=["region"])
    assert {r["region"] for r in admin.rows} == {"east", "north", "south"}
    with metrics_store.session() as s:
        customer = s.scalar(select(User).where(User.role == "customer"))
        with pytest.raises(AccessDenied, match="customer may not read sales metrics"):
            caller_of(s, Actor(customer.id, customer.login, "customer", None, customer.contact_id))
        with pytest.raises(AccessDenied, match="prompt_engineer"):
            caller_of(s, Actor(1, "pe.sun", "prompt_engineer", None))


def test_margins_are_for_managers_and_a_rep_is_told_so(metrics_store):
    with pytest.raises(AccessDenied, match="a rep may not see it"):
        ask(metrics_store, "li.wei", metrics=["avg_margin"])
    assert ask(metrics_store, "zhao.lei", metrics=["avg_margin"]).totals["avg_margin"] > 0


def test_an_unknown_metric_or_impossible_breakdown_is_refused_in_words(metrics_store):
    with pytest.raises(UnknownMetric, match="there is no metric 'happiness'"):
        ask(metrics_store, "admin", metrics=["happiness"])
    with pytest.raises(ValueError, match="cannot be broken down or filtered by case category"):
        ask(metrics_store, "admin", metrics=["won_value"], group_by=["case_category"])


def test_a_refusal_of_analytics_takes_the_persons_cases_out_of_the_count(store):
    with store.session() as s:
        contact = s.execute(text("""SELECT c.contact_id FROM cases c WHERE c.contact_id IN (SELECT contact_id FROM
            privacy_consents WHERE purpose = 'analytics.reporting' AND granted = 1) GROUP BY c.contact_id
            ORDER BY COUNT(*) DESC LIMIT 1""")).scalar()
        theirs = s.execute(text("SELECT COUNT(*) FROM cases WHERE contact_id = :c"), {"c": contact}).scalar()
        before = run_query(s, MetricQuery(("cases_opened",)), caller(s, "admin"), as_of=AS_OF, now=NOW).totals
    with store.session() as s:
        record_consent(s, contact_id=contact, category="user.behavior", purpose="analytics.reporting", granted=False,
                       channel="chat", by="test", now=NOW)
    with store.session() as s:
        after = run_query(s, MetricQuery(("cases_opened",)), caller(s, "admin"), as_of=AS_OF, now=NOW).totals
        deals_unchanged = run_query(s, MetricQuery(("won_deals",)), caller(s, "admin"), as_of=AS_OF, now=NOW).totals
    assert after["cases_opened"] == before["cases_opened"] - theirs and theirs > 0
    assert deals_unchanged["won_deals"] == 697  # business records about no person are not consent-bound


def test_a_question_changes_no_business_record(metrics_store):
    tables = ("deals", "accounts", "cases", "activities", "orders", "payments", "privacy_consents")
    before = {t: scalar(metrics_store, f"SELECT COUNT(*) FROM {t}") for t in tables}
    ask(metrics_store, "admin", metrics=["won_value", "cases_opened", "activities"], group_by=["region"],
        period={"relative": "past", "grain": "quarter", "n": 4}, compare_to="previous_period")
    assert {t: scalar(metrics_store, f"SELECT COUNT(*) FROM {t}") for t in tables} == before


def test_the_result_explains_itself_and_compiles_for_postgres(metrics_store):
    result = ask(metrics_store, "zhao.lei", metrics=["win_rate"], group_by=["unit"], period={"fiscal_year": 2025, "quarter": 3})
    how = result.explain()
    assert "won plus lost" in how["definitions"]["win_rate"] and how["period"]["start"] == "2025-07-01"
    assert "deals.closed_on >= '2025-07-01'" in how["sql"][0] and "sales_units.id" not in how["scope"]
    assert how["scope"] == "units east-enterprise, east-smb"
    pg = compile_sql(MetricQuery(("won_deals",), ("quarter",)), "postgresql", as_of=AS_OF)
    assert "to_char(deals.closed_on, 'YYYY-\"Q\"Q')" in pg[0]


def test_a_win_rate_reads_the_closed_deals_once_and_counts_the_same_as_an_or_of_its_parts(metrics_store):
    """Won deals (stage in won) and closed deals (stage in won, lost) are read with one IN, not an OR of two."""
    (sql,) = compile_sql(MetricQuery(("win_rate",), ("rep",)), "sqlite", as_of=AS_OF)
    assert "WHERE deals.stage IN ('won', 'lost') GROUP BY" in sql and " OR " not in sql
    by_rep = {r["rep"]: (r["won_deals"], r["closed_deals"]) for r in ask(metrics_store, "admin", metrics=["win_rate"],
                                                                          group_by=["rep"]).rows}
    with metrics_store.engine.connect() as conn:
        expected = {login: (won, closed) for login, won, closed in conn.execute(text(
            "SELECT u.login, sum(d.stage = 'won'), count(*) FROM deals d JOIN users u ON u.id = d.owner_id "
            "WHERE d.stage = 'won' OR d.stage IN ('won', 'lost') GROUP BY u.login"))}
    assert by_rep == expected and len(expected) > 3


def test_metrics_of_one_source_dated_by_different_days_are_one_read_unless_a_period_or_a_trend_needs_the_days(metrics_store):
    """DSO (dated by payment) and late payments (by due date) by industry, all time: one statement over the payments,
    with each metric's own rows counted in it; within a period each keeps its own day, so two."""
    both = MetricQuery(("days_sales_outstanding", "late_payments"), ("industry",))
    (one,) = compile_sql(both, "sqlite", as_of=AS_OF)
    assert "payments.paid_on IS NOT NULL OR payments.days_late > 0" in one
    this_year = MetricQuery.of({"metrics": ["days_sales_outstanding", "late_payments"], "group_by": ["industry"],
                                "period": {"relative": "to_date", "grain": "year"}})
    assert len(compile_sql(this_year, "sqlite", as_of=AS_OF)) == 2
    got = {r["industry"]: (r["days_sales_outstanding"], r["late_payments"]) for r in ask(
        metrics_store, "admin", metrics=["days_sales_outstanding", "late_payments"], group_by=["industry"]).rows}
    with metrics_store.engine.connect() as conn:
        dso = dict(conn.execute(text(
            "SELECT a.industry, round(avg(julianday(p.paid_on) - julianday(o.ordered_on)), 3) FROM payments p "
            "JOIN orders o ON o.id = p.order_id JOIN accounts a ON a.id = o.account_id WHERE p.paid_on IS NOT NULL "
            "GROUP BY a.industry")).all())
        late = dict(conn.execute(text(
            "SELECT a.industry, count(*) FROM payments p JOIN orders o ON o.id = p.order_id "
            "JOIN accounts a ON a.id = o.account_id WHERE p.days_late > 0 GROUP BY a.industry")).all())
    assert got == {k: (dso.get(k), late.get(k, 0)) for k in dso.keys() | late.keys()} and len(got) > 2


def test_my_figures_are_a_reps_own_deals_and_a_managers_whole_scope(metrics_store):
    own = ask(metrics_store, "li.wei", metrics=["won_deals"], filters={"rep": [MINE]})
    assert own.totals["won_deals"] == scalar(metrics_store, """SELECT COUNT(*) FROM deals d JOIN users u ON u.id = d.owner_id
        WHERE d.stage = 'won' AND u.login = 'li.wei'""")
    team = ask(metrics_store, "zhao.lei", metrics=["won_deals"], filters={"rep": [MINE]})
    assert team.totals == ask(metrics_store, "zhao.lei", metrics=["won_deals"]).totals and team.totals["won_deals"] > 0


def test_the_answer_says_which_rows_the_filters_named(metrics_store):
    from crm.metrics.answer import sentence

    unit = ask(metrics_store, "zhao.lei", metrics=["won_deals"], filters={"unit": ["east-enterprise"]})
    assert sentence(unit, "en").startswith("Won deals for East Enterprise") and "华东大客户部" in sentence(unit, "zh")
    region = ask(metrics_store, "liang.yu", metrics=["discount_depth"], filters={"region": ["南区"]})
    assert sentence(region, "zh").startswith("华南，")
    assert "华东" not in sentence(ask(metrics_store, "zhao.lei", metrics=["won_deals"], filters={"region": [MINE]}), "zh")


def test_a_trend_over_this_year_shows_the_months_that_have_happened_and_none_ahead(metrics_store):
    """Asked on 26 Nov: January to November, each as the SQL counts it; December has not happened, so it is not a 0."""
    result = ask(metrics_store, "liang.yu", metrics=["new_deals"], group_by=["month"], period={"relative": "this", "grain": "year"})
    counted = dict(mstore_rows(metrics_store, """
        SELECT strftime('%Y-%m', d.created_on), COUNT(*) FROM deals d JOIN sales_units u ON u.id = d.unit_id
        WHERE u.region = 'south' AND d.created_on BETWEEN '2026-01-01' AND '2026-11-26' GROUP BY 1"""))
    months = [f"2026-{m:02d}" for m in range(1, 12)]
    assert [(r["month"], r["new_deals"]) for r in result.rows] == [(m, counted.get(m, 0)) for m in months]
    # pipeline is dated by the expected close: the months ahead hold real figures, an empty one is a true 0
    ahead = ask(metrics_store, "liang.yu", metrics=["pipeline_value"], group_by=["month"],
                period={"relative": "next", "grain": "quarter"})
    assert [r["month"] for r in ahead.rows] == ["2027-01", "2027-02", "2027-03"]


def test_this_year_so_far_against_the_same_days_last_year(metrics_store):
    """DSO this year to date vs the same period last year, asked on 26 Nov: Jan 1-Nov 26 of each year, as an
    independent SQL averages them."""
    result = ask(metrics_store, "liang.yu", metrics=["days_sales_outstanding"], period={"relative": "to_date", "grain": "year"},
                 compare_to="same_period_last_year")
    sql = ("SELECT AVG(julianday(p.paid_on) - julianday(o.ordered_on)) FROM payments p JOIN orders o ON o.id = p.order_id "
           "JOIN deals d ON d.id = o.deal_id JOIN sales_units u ON u.id = d.unit_id "
           "WHERE u.region = 'south' AND p.paid_on BETWEEN :a AND :b")
    row = result.rows[0]
    assert row["days_sales_outstanding"] == pytest.approx(scalar(metrics_store, sql, a="2026-01-01", b="2026-11-26"), abs=1e-3)
    assert row["days_sales_outstanding_previous"] == pytest.approx(scalar(metrics_store, sql, a="2025-01-01", b="2025-11-26"), abs=1e-3)
    assert (result.compared.start, result.compared.end) == (dt.date(2025, 1, 1), dt.date(2025, 11, 26))


def test_a_period_still_running_is_compared_with_the_same_days_last_year(metrics_store):
    """Won value this quarter vs the same period last year, asked on 26 Nov: last year's 1 Oct-26 Nov, not its
    whole Q4; DSO this (whole) year against last year up to the same day. A quarter already over keeps its whole
    counterpart, and pipeline by expected close (days still to come) keeps last year's whole quarter; compared as it
    stood (the default), the pipeline now is set against the pipeline on the same day a year ago."""
    sql = ("SELECT SUM(d.amount) FROM deals d JOIN sales_units u ON u.id = d.unit_id WHERE d.stage = 'won' "
           "AND u.region = 'east' AND d.closed_on BETWEEN :a AND :b")
    running = ask(metrics_store, "zhao.lei", metrics=["won_value"], period={"relative": "this", "grain": "quarter"},
                  compare_to="same_period_last_year")
    assert (running.compared.start, running.compared.end) == (dt.date(2025, 10, 1), dt.date(2025, 11, 26))
    assert running.rows[0]["won_value_previous"] == pytest.approx(float(scalar(metrics_store, sql, a="2025-10-01", b="2025-11-26")))
    dso = ask(metrics_store, "liang.yu", metrics=["days_sales_outstanding"], period={"relative": "this", "grain": "year"},
              compare_to="same_period_last_year")
    assert (dso.compared.start, dso.compared.end) == (dt.date(2025, 1, 1), dt.date(2025, 11, 26))
    over = ask(metrics_store, "zhao.lei", metrics=["won_value"], period={"relative": "last", "grain": "quarter"},
               compare_to="same_period_last_year")
    assert (over.compared.start, over.compared.end) == (dt.date(2025, 7, 1), dt.date(2025, 9, 30))
    ahead = ask(metrics_store, "zhao.lei", metrics=["pipeline_value"], period={"relative": "this", "grain": "quarter"},
                compare_to="same_period_last_year", snapshot=False)
    assert (ahead.compared.start, ahead.compared.end) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    stood = ask(metrics_store, "zhao.lei", metrics=["pipeline_value"], period={"relative": "this", "grain": "quarter"},
                compare_to="same_period_last_year")
    assert (stood.as_of_day, stood.compared_as_of) == (dt.date(2026, 11, 26), dt.date(2025, 11, 26))
    previous = ask(metrics_store, "zhao.lei", metrics=["won_value"], period={"relative": "this", "grain": "quarter"},
                   compare_to="previous_period")
    assert (previous.compared.start, previous.compared.end) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))


def test_two_quarters_apart_show_only_those_two(metrics_store):
    """Win rate for Q1 and Q3: grouped by quarter over January to September, Q2 left out; each checked by SQL."""
    result = ask(metrics_store, "liang.yu", metrics=["win_rate"], group_by=["quarter"],
                 filters={"quarter": ["2026-Q1", "2026-Q3"]}, period={"start": "2026-01-01", "end": "2026-09-30"})
    assert [r["quarter"] for r in result.rows] == ["2026-Q1", "2026-Q3"]
    sql = ("SELECT SUM(CASE WHEN d.stage = 'won' THEN 1.0 ELSE 0 END) / COUNT(*) FROM deals d JOIN sales_units u "
           "ON u.id = d.unit_id WHERE d.stage IN ('won', 'lost') AND u.region = 'south' AND d.closed_on BETWEEN :a AND :b")
    for row, (a, b) in zip(result.rows, [("2026-01-01", "2026-03-31"), ("2026-07-01", "2026-09-30")]):
        assert row["win_rate"] == pytest.approx(float(scalar(metrics_store, sql, a=a, b=b)), abs=1e-4)
    with pytest.raises(ValueError, match="with a period instead"):
        ask(metrics_store, "liang.yu", metrics=["win_rate"], filters={"quarter": ["2026-Q1"]})
