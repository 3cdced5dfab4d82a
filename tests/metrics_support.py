"""Shared by the metrics tests: a seeded store per module, callers by login, and independent SQL per metric."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text

from crm.actor import Actor
from crm.metrics import MetricQuery, caller_of, run_query
from crm.models import User

AS_OF = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 10, 0)

# The people whose rows analytics may use: in the seed everyone has one analytics decision, given or refused.
CONSENTED = ("SELECT contact_id FROM privacy_consents WHERE purpose = 'analytics.reporting' "
             "AND category = 'user.behavior' AND granted = TRUE")
PERSON_OK = "({t}.contact_id IS NULL OR {t}.contact_id IN (" + CONSENTED + "))"
OPEN = "('lead', 'qualified', 'proposal', 'negotiation')"
DEALS_BY_REGION = "FROM deals d JOIN sales_units u ON u.id = d.unit_id"


def days(dialect: str, start: str, end: str) -> str:
    return f"(julianday({end}) - julianday({start}))" if dialect == "sqlite" else f"({end} - {start})"


def expected_sql(dialect: str) -> dict[str, str]:
    """Each metric by region, written by hand from the metric's definition, not from the engine."""
    d = DEALS_BY_REGION
    orders = "FROM orders o JOIN deals d ON d.id = o.deal_id JOIN sales_units u ON u.id = d.unit_id"
    pays = ("FROM payments p JOIN orders o ON o.id = p.order_id JOIN deals d ON d.id = o.deal_id "
            "JOIN sales_units u ON u.id = d.unit_id")
    acts = "FROM activities a JOIN accounts ac ON ac.id = a.account_id JOIN sales_units u ON u.id = ac.unit_id"
    cases = "FROM cases c JOIN accounts ac ON ac.id = c.account_id JOIN sales_units u ON u.id = ac.unit_id"
    a_ok, c_ok = PERSON_OK.format(t="a"), PERSON_OK.format(t="c")
    cycle = days(dialect, "d.created_on", "d.closed_on")
    dso = days(dialect, "o.ordered_on", "p.paid_on")
    case_days = ("(julianday(c.closed_at) - julianday(c.created_at))" if dialect == "sqlite"
                 else "(EXTRACT(EPOCH FROM c.closed_at - c.created_at) / 86400)")
    return {
        "won_value": f"SELECT u.region, SUM(d.amount) {d} WHERE d.stage = 'won' GROUP BY u.region",
        "won_deals": f"SELECT u.region, COUNT(*) {d} WHERE d.stage = 'won' GROUP BY u.region",
        "reps_with_a_win": f"SELECT u.region, COUNT(DISTINCT d.owner_id) {d} WHERE d.stage = 'won' GROUP BY u.region",
        "won_value_per_winning_rep": f"SELECT u.region, SUM(d.amount) * 1.0 / COUNT(DISTINCT d.owner_id) {d} "
                             "WHERE d.stage = 'won' GROUP BY u.region",
        "won_deals_per_winning_rep": f"SELECT u.region, COUNT(*) * 1.0 / COUNT(DISTINCT d.owner_id) {d} "
                             "WHERE d.stage = 'won' GROUP BY u.region",
        "lost_deals": f"SELECT u.region, COUNT(*) {d} WHERE d.stage = 'lost' GROUP BY u.region",
        "loss_rate": f"SELECT u.region, SUM(CASE WHEN d.stage = 'lost' THEN 1.0 ELSE 0 END) / COUNT(*) {d} "
                     "WHERE d.stage IN ('won', 'lost') GROUP BY u.region",
        "lost_value": f"SELECT u.region, SUM(d.amount) {d} WHERE d.stage = 'lost' GROUP BY u.region",
        "closed_deals": f"SELECT u.region, COUNT(*) {d} WHERE d.stage IN ('won', 'lost') GROUP BY u.region",
        "win_rate": f"SELECT u.region, SUM(CASE WHEN d.stage = 'won' THEN 1.0 ELSE 0 END) / COUNT(*) {d} "
                    "WHERE d.stage IN ('won', 'lost') GROUP BY u.region",
        "pipeline_value": f"SELECT u.region, SUM(d.amount) {d} WHERE d.stage IN {OPEN} GROUP BY u.region",
        "open_deals": f"SELECT u.region, COUNT(*) {d} WHERE d.stage IN {OPEN} GROUP BY u.region",
        "weighted_pipeline": f"SELECT u.region, SUM(d.amount * CASE d.stage WHEN 'lead' THEN 0.1 WHEN 'qualified' "
                             "THEN 0.25 WHEN 'proposal' THEN 0.5 ELSE 0.75 END) "
                             f"{d} WHERE d.stage IN {OPEN} GROUP BY u.region",
        "avg_deal_size": f"SELECT u.region, AVG(d.amount) {d} WHERE d.stage = 'won' GROUP BY u.region",
        "avg_open_deal_size": f"SELECT u.region, AVG(d.amount) {d} WHERE d.stage IN {OPEN} GROUP BY u.region",
        "median_deal_size": f"SELECT u.region, d.amount {d} WHERE d.stage = 'won'",  # median taken in Python
        "avg_margin": f"SELECT u.region, AVG(d.margin) {d} WHERE d.stage = 'won' GROUP BY u.region",
        "gross_profit": f"SELECT u.region, SUM(d.amount - d.cost) {d} WHERE d.stage = 'won' GROUP BY u.region",
        "discount_depth": f"SELECT u.region, AVG(1 - d.amount * 1.0 / (d.quantity * pr.price)) {d} "
                          "JOIN products pr ON pr.id = d.product_id WHERE d.stage = 'won' GROUP BY u.region",
        "sales_cycle_days": f"SELECT u.region, AVG({cycle}) {d} WHERE d.stage = 'won' GROUP BY u.region",
        "new_deals": f"SELECT u.region, COUNT(*) {d} GROUP BY u.region",
        "new_deals_won": f"SELECT u.region, COUNT(*) {d} WHERE d.stage = 'won' GROUP BY u.region",
        "conversion_rate": f"SELECT u.region, SUM(CASE WHEN d.stage = 'won' THEN 1.0 ELSE 0 END) / COUNT(*) {d} "
                           "GROUP BY u.region",
        "slipped_deals": f"SELECT u.region, COUNT(*) {d} WHERE d.stage IN {OPEN} AND d.expected_close < '{AS_OF}' "
                         "GROUP BY u.region",
        "slipped_value": f"SELECT u.region, SUM(d.amount) {d} WHERE d.stage IN {OPEN} "
                         f"AND d.expected_close < '{AS_OF}' GROUP BY u.region",
        "order_revenue": f"SELECT u.region, SUM(o.amount) {orders} GROUP BY u.region",
        "orders": f"SELECT u.region, COUNT(*) {orders} GROUP BY u.region",
        "avg_order_value": f"SELECT u.region, SUM(o.amount) * 1.0 / COUNT(*) {orders} GROUP BY u.region",
        "late_payments": f"SELECT u.region, COUNT(*) {pays} WHERE p.days_late > 0 GROUP BY u.region",
        "overdue_receivables": f"SELECT u.region, SUM(p.amount) {pays} WHERE p.paid_on IS NULL "
                               f"AND p.due_on < '{AS_OF}' GROUP BY u.region",
        "overdue_followups": "SELECT u.region, COUNT(*) FROM tasks t JOIN sales_units u ON u.id = t.unit_id "
                             f"WHERE t.status = 'open' AND t.due_at < '{AS_OF}' AND {PERSON_OK.format(t='t')} "
                             "GROUP BY u.region",
        "days_sales_outstanding": f"SELECT u.region, AVG({dso}) {pays} WHERE p.paid_on IS NOT NULL GROUP BY u.region",
        "payments_collected": f"SELECT u.region, SUM(p.amount) {pays} WHERE p.paid_on IS NOT NULL GROUP BY u.region",
        "instalments_paid": f"SELECT u.region, COUNT(*) {pays} WHERE p.paid_on IS NOT NULL GROUP BY u.region",
        "outstanding_receivables": f"SELECT u.region, SUM(p.amount) {pays} WHERE p.paid_on IS NULL GROUP BY u.region",
        "defaulted_amount": f"SELECT u.region, SUM(p.amount) {pays} WHERE p.defaulted = TRUE GROUP BY u.region",
        "account_count": "SELECT u.region, COUNT(*) FROM accounts ac JOIN sales_units u ON u.id = ac.unit_id GROUP BY u.region",
        "rep_headcount": "SELECT u.region, COUNT(*) FROM users us JOIN sales_units u ON u.id = us.unit_id "
                "WHERE us.role = 'rep' AND us.disabled_at IS NULL GROUP BY u.region",
        "new_accounts": "SELECT u.region, COUNT(*) FROM accounts ac JOIN sales_units u ON u.id = ac.unit_id "
                        "GROUP BY u.region",
        "activities": f"SELECT u.region, COUNT(*) {acts} WHERE {a_ok} GROUP BY u.region",
        "active_reps": f"SELECT u.region, COUNT(DISTINCT a.user_id) {acts} WHERE {a_ok} GROUP BY u.region",
        "activities_per_rep": f"SELECT u.region, COUNT(*) * 1.0 / COUNT(DISTINCT a.user_id) {acts} WHERE {a_ok} "
                              "GROUP BY u.region",
        "meetings": f"SELECT u.region, COUNT(*) {acts} WHERE a.kind = 'meeting' AND {a_ok} GROUP BY u.region",
        "cases_opened": f"SELECT u.region, COUNT(*) {cases} WHERE {c_ok} GROUP BY u.region",
        "cases_closed": f"SELECT u.region, COUNT(*) {cases} WHERE c.status IN ('resolved', 'closed') AND {c_ok} "
                        "GROUP BY u.region",
        "open_cases": f"SELECT u.region, COUNT(*) {cases} WHERE c.status IN ('open', 'in_progress') AND {c_ok} "
                      "GROUP BY u.region",
        "case_resolution_rate": f"SELECT u.region, SUM(CASE WHEN c.status IN ('resolved', 'closed') THEN 1.0 ELSE 0 "
                                f"END) / COUNT(*) {cases} WHERE {c_ok} GROUP BY u.region",
        "case_close_days": f"SELECT u.region, AVG({case_days}) {cases} WHERE c.status IN ('resolved', 'closed') "
                           f"AND {c_ok} GROUP BY u.region",
        "complaints": f"SELECT u.region, COUNT(*) {cases} WHERE c.kind = 'complaint' AND {c_ok} GROUP BY u.region",
        "urgent_cases": f"SELECT u.region, COUNT(*) {cases} WHERE c.priority IN ('high', 'urgent') AND {c_ok} "
                        "GROUP BY u.region",
        "budget_limit": "SELECT u.region, SUM(b.limit_amount) FROM budget_pools b JOIN sales_units u "
                        "ON u.id = b.unit_id GROUP BY u.region",
        "budget_used": "SELECT u.region, SUM(b.used_amount) FROM budget_pools b JOIN sales_units u "
                       "ON u.id = b.unit_id GROUP BY u.region",
        "budget_utilisation": "SELECT u.region, SUM(b.used_amount) * 1.0 / SUM(b.limit_amount) FROM budget_pools b "
                              "JOIN sales_units u ON u.id = b.unit_id GROUP BY u.region",
        "escalations": "SELECT u.region, COUNT(*) FROM contract_decisions x JOIN sales_units u ON u.id = x.unit_id "
                       "WHERE x.outcome = 'escalated' GROUP BY u.region",
    }


def expected_by_region(session, metric: str) -> dict[str, float]:
    dialect = session.get_bind().dialect.name
    rows = session.execute(text(expected_sql(dialect)[metric])).all()
    if metric == "median_deal_size":
        values: dict[str, list[float]] = {}
        for region, amount in rows:
            values.setdefault(region, []).append(float(amount))
        return {r: _median(v) for r, v in values.items()}
    return {region: float(value) for region, value in rows if value is not None}


def _median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def caller(session, login: str):
    user = session.scalar(select(User).where(User.login == login))
    return caller_of(session, actor(user))


def actor(user: User) -> Actor:
    return Actor(user.id, user.login, user.role, user.unit_id, user.contact_id, user.language)


def ask(store, login: str, **query):
    """The metric query `query` (query_metrics' arguments) run as `login` on the eval day."""
    with store.session() as s:
        return run_query(s, MetricQuery.of(query), caller(s, login), as_of=AS_OF, now=NOW)


def scalar(store, sql: str, **params):
    """The first value of a hand-written SQL on the same store."""
    with store.session() as s:
        return s.execute(text(sql), params).scalar()
