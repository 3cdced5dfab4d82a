"""Deals at risk: a planted deal whose close date slipped and that nobody touched is flagged with exactly those
reasons, a healthy one is not; the slipped, quiet and discount signals on the seed agree with an independent
calculation; a slipped deal says since when it sat at its stage (its stage history); a rep sees only their unit's
deals and a customer none."""
from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import select, text

from crm.models import Account, Activity, Deal, DealStageChange, Order, Payment, Product, User
from crm.outlook import deals_at_risk
from crm.outlook.deal_risk import NORM_QUANTILE, QUIET_DAYS
from crm.store import Store
from tessera.runtime import Tessera
from tessera.settings import Settings
from tests.conftest import FIXED_NOW
from tests.metrics_support import AS_OF, caller
from tests.test_postgres import pg_url  # noqa: F401
from tests.test_sales_tools import call

EVERY = 10_000


@pytest.fixture
def risk_store(seeded_template, tmp_path):
    shutil.copy(seeded_template, tmp_path / "risk.db")
    store = Store(f"sqlite:///{tmp_path / 'risk.db'}")
    yield store
    store.dispose()


def plant(s, login: str, *, expected_close: dt.date, created_on: dt.date, touched: dt.date | None) -> int:
    """A new account (no payments) with one open deal at list price in the login's unit."""
    owner = s.scalar(select(User).where(User.login == login))
    product = s.scalars(select(Product).order_by(Product.id)).first()
    account = Account(tenant_id=1, unit_id=owner.unit_id, owner_id=owner.id, name=f"Planted {login} {expected_close}",
                      industry="manufacturing", region="east", city="Shanghai")
    s.add(account)
    s.flush()
    deal = Deal(tenant_id=1, unit_id=owner.unit_id, account_id=account.id, owner_id=owner.id, product_id=product.id,
                title=f"{account.name} · planted", stage="proposal", quantity=1, amount=product.price,
                cost=product.cost, margin=Decimal("0.3"), region="east", created_on=created_on,
                expected_close=expected_close)
    s.add(deal)
    s.flush()
    if touched:
        s.add(Activity(account_id=account.id, deal_id=deal.id, user_id=owner.id, kind="call", subject="check-in",
                       occurred_at=dt.datetime.combine(touched, dt.time(9))))
        s.flush()
    return deal.id


def test_a_slipped_untouched_deal_is_flagged_with_those_reasons_and_a_healthy_one_is_not(risk_store):
    with risk_store.session() as s:
        slipped = plant(s, "li.wei", expected_close=AS_OF - dt.timedelta(days=40),
                        created_on=AS_OF - dt.timedelta(days=100), touched=None)
        healthy = plant(s, "li.wei", expected_close=AS_OF + dt.timedelta(days=20),
                        created_on=AS_OF - dt.timedelta(days=50), touched=AS_OF - dt.timedelta(days=3))
        report = deals_at_risk(s, caller(s, "li.wei"), AS_OF, limit=EVERY)
    by_id = {d.deal_id: d for d in report.deals}
    assert healthy not in by_id
    flagged = by_id[slipped]
    assert [sig.kind for sig in flagged.signals] == ["slipped", "quiet"]
    words = [sig.words("en") for sig in flagged.signals]
    assert words[0] == f"expected close {AS_OF - dt.timedelta(days=40)} passed 40 days ago"
    assert words[1] == "no activity since it was created 100 days ago"
    assert "已过 40 天" in flagged.signals[0].words("zh")
    assert flagged.risk == pytest.approx(2 + 40 / 90 + min((100 - QUIET_DAYS) / QUIET_DAYS / 2, 1.0), abs=0.01)


def test_a_slipped_deal_says_since_when_it_has_sat_at_its_stage_from_its_last_entry_there(risk_store):
    with risk_store.session() as s:
        slipped = plant(s, "li.wei", expected_close=AS_OF - dt.timedelta(days=40),
                        created_on=AS_OF - dt.timedelta(days=200), touched=AS_OF - dt.timedelta(days=2))
        owner = s.scalar(select(User.id).where(User.login == "li.wei"))
        path = ((None, "lead", 200), ("lead", "proposal", 150), ("proposal", "qualified", 140),
                ("qualified", "proposal", 120))  # back to qualified once: the stint that counts began 120 days ago
        s.add_all(DealStageChange(deal_id=slipped, from_stage=a, to_stage=b, changed_by=owner,
                                  at=dt.datetime.combine(AS_OF - dt.timedelta(days=days), dt.time(11)))
                  for a, b, days in path)
        s.flush()
        report = deals_at_risk(s, caller(s, "li.wei"), AS_OF, limit=EVERY)
    [signal] = next(d for d in report.deals if d.deal_id == slipped).signals
    since = AS_OF - dt.timedelta(days=120)
    assert signal.words("en") == f"expected close {AS_OF - dt.timedelta(days=40)} passed 40 days ago, in proposal " \
                                 f"since {since} (120 days)"
    assert signal.words("zh").endswith(f"自 {since} 起处于方案阶段（120 天）")
    assert signal.strength == pytest.approx(40 / 90)  # the ranking is the expected close's, as before


def test_on_the_seed_each_slipped_deal_sits_at_its_stage_since_its_history_says(risk_store):
    with risk_store.session() as s:
        report = deals_at_risk(s, caller(s, "zhao.lei"), AS_OF, limit=EVERY)
        entered = dict(s.execute(text(
            "SELECT d.id, date(MAX(h.at)) FROM deals d JOIN deal_stage_changes h ON h.deal_id = d.id "
            "AND h.to_stage = d.stage GROUP BY d.id")).all())
    slipped = [(d, sig) for d in report.deals for sig in d.signals if sig.kind == "slipped"]
    assert slipped
    for deal, signal in slipped:
        assert signal.words("en").endswith(f", in {deal.stage} since {entered[deal.deal_id]} "
                                           f"({(AS_OF - dt.date.fromisoformat(entered[deal.deal_id])).days} days)")


def test_signals_on_the_seed_agree_with_an_independent_calculation(risk_store):
    with risk_store.session() as s:
        report = deals_at_risk(s, caller(s, "zhao.lei"), AS_OF, limit=EVERY)
        region = "(SELECT id FROM sales_units WHERE region = 'east')"
        open_deals = s.execute(text(
            f"SELECT d.id, d.unit_id, d.expected_close, d.created_on, d.amount, d.quantity, p.price, "
            f"(SELECT MAX(a.occurred_at) FROM activities a WHERE a.deal_id = d.id) "
            f"FROM deals d JOIN products p ON p.id = d.product_id WHERE d.unit_id IN {region} "
            f"AND d.stage IN ('lead', 'qualified', 'proposal', 'negotiation')")).all()
        all_discounts = s.execute(text(
            f"SELECT d.unit_id, 1 - d.amount * 1.0 / (d.quantity * p.price) FROM deals d "
            f"JOIN products p ON p.id = d.product_id WHERE d.unit_id IN {region}")).all()
    norms = {}
    for unit in {u for u, _ in all_discounts}:
        values = [max(0.0, float(v)) for u, v in all_discounts if u == unit]
        norms[unit] = float(np.quantile(values, NORM_QUANTILE))
    expect = {"slipped": set(), "quiet": set(), "discount": set()}
    for deal_id, unit, expected_close, created_on, amount, quantity, price, last in open_deals:
        if dt.date.fromisoformat(str(expected_close)) < AS_OF:
            expect["slipped"].add(deal_id)
        since = dt.datetime.fromisoformat(str(last)).date() if last else dt.date.fromisoformat(str(created_on))
        if (AS_OF - since).days >= QUIET_DAYS:
            expect["quiet"].add(deal_id)
        if max(0.0, 1 - float(amount) / (quantity * float(price))) > norms[unit] + 1e-9:
            expect["discount"].add(deal_id)
    got = {kind: {d.deal_id for d in report.deals if any(sig.kind == kind for sig in d.signals)} for kind in expect}
    assert report.open_deals == len(open_deals)
    for kind in expect:
        assert expect[kind], f"the seed has no {kind} deal: the test proves nothing"
        assert got[kind] == expect[kind], kind
    ranked = [d.risk for d in report.deals]
    assert ranked == sorted(ranked, reverse=True)


def plant_with_an_order(s) -> tuple[int, Order]:
    """A fresh open deal of li.wei's, touched two days ago and closing in a month, with one order of 200 days ago
    (payments are the test's to add)."""
    deal_id = plant(s, "li.wei", expected_close=AS_OF + dt.timedelta(days=30),
                    created_on=AS_OF - dt.timedelta(days=10), touched=AS_OF - dt.timedelta(days=2))
    deal = s.get(Deal, deal_id)
    order = Order(deal_id=deal_id, account_id=deal.account_id, product_id=deal.product_id, quantity=1,
                  amount=deal.amount, ordered_on=AS_OF - dt.timedelta(days=200),
                  promised_on=AS_OF - dt.timedelta(days=190))
    s.add(order)
    s.flush()
    return deal_id, order


def test_late_payments_of_the_account_are_a_reason(risk_store):
    with risk_store.session() as s:
        deal_id, order = plant_with_an_order(s)
        for due, paid, late in ((150, 120, 30), (120, 100, 20), (60, None, 60), (30, 31, 0)):
            s.add(Payment(order_id=order.id, amount=Decimal("10"), due_on=AS_OF - dt.timedelta(days=due),
                          paid_on=None if paid is None else AS_OF - dt.timedelta(days=paid), days_late=late))
        s.flush()
        report = deals_at_risk(s, caller(s, "li.wei"), AS_OF, limit=EVERY)
    flagged = next(d for d in report.deals if d.deal_id == deal_id)
    assert [sig.kind for sig in flagged.signals] == ["late_payments"]
    assert flagged.signals[0].words("en") == ("the account paid 2 of 4 instalments late in the past year, "
                                              "1 still unpaid, the oldest 60 days past due")


def _late_words(store: Store, deal_id: int) -> list[str]:
    with store.session() as s:
        report = deals_at_risk(s, caller(s, "li.wei"), AS_OF, limit=EVERY)
    return [sig.en for d in report.deals if d.deal_id == deal_id for sig in d.signals if sig.kind == "late_payments"]


def late_payments_follow_payments_written_elsewhere(store: Store) -> None:
    """The accounts' late-payment figures are kept until the payments or orders change: a late payment and then an
    unpaid instalment committed through another engine (another worker) show in the next report's reason."""
    with store.session() as s:
        deal_id, order = plant_with_an_order(s)
        order_id = order.id
        for due, paid, late in ((150, 120, 30), (120, 120, 0)):  # one late of two: no signal yet
            s.add(Payment(order_id=order.id, amount=Decimal("10"), due_on=AS_OF - dt.timedelta(days=due),
                          paid_on=AS_OF - dt.timedelta(days=paid), days_late=late))
        s.commit()
    assert _late_words(store, deal_id) == []  # and the figures are now kept

    def pay_elsewhere(due: int, paid: int | None, late: int) -> None:
        other = Store(store.url)  # another worker's engine
        try:
            with other.session() as s:
                s.add(Payment(order_id=order_id, amount=Decimal("10"), due_on=AS_OF - dt.timedelta(days=due),
                              paid_on=None if paid is None else AS_OF - dt.timedelta(days=paid), days_late=late))
        finally:
            other.dispose()

    pay_elsewhere(40, 25, 15)  # a second late payment
    assert _late_words(store, deal_id) == ["the account paid 2 of 3 instalments late in the past year"]
    pay_elsewhere(12, None, 12)  # an instalment unpaid now
    assert _late_words(store, deal_id) == ["the account paid 2 of 4 instalments late in the past year, 1 still "
                                           "unpaid, the oldest 12 days past due"]


def test_the_accounts_late_payments_follow_a_payment_written_by_another_worker(risk_store):
    late_payments_follow_payments_written_elsewhere(risk_store)


@pytest.mark.postgres
def test_on_postgres_the_accounts_late_payments_follow_a_payment_written_elsewhere(pg_url, tmp_path):  # noqa: F811
    tessera = Tessera(Settings(data_dir=tmp_path, database_url=pg_url), clock=lambda: FIXED_NOW)
    try:
        late_payments_follow_payments_written_elsewhere(tessera.store)
    finally:
        tessera.close()


def test_a_low_win_chance_is_a_reason_when_the_model_gives_one(risk_store):
    with risk_store.session() as s:
        deal_id = plant(s, "li.wei", expected_close=AS_OF + dt.timedelta(days=30),
                        created_on=AS_OF - dt.timedelta(days=10), touched=AS_OF - dt.timedelta(days=2))
        report = deals_at_risk(s, caller(s, "li.wei"), AS_OF, limit=EVERY,
                               scores=lambda ids: {i: (0.12 if i == deal_id else 0.5) for i in ids})
    flagged = next(d for d in report.deals if d.deal_id == deal_id)
    assert [sig.words("en") for sig in flagged.signals] == ["win chance 12% (deal-score model)"]
    assert report.scored


def test_a_rep_sees_only_their_units_deals_and_a_customer_none(tessera):
    with tessera.store.session() as s:
        other = plant(s, "olivia.wang", expected_close=AS_OF - dt.timedelta(days=60),
                      created_on=AS_OF - dt.timedelta(days=200), touched=None)
        rep_unit = s.scalar(select(User.unit_id).where(User.login == "li.wei"))
        s.commit()
    rep = call(tessera, "li.wei", "deals_at_risk", limit=50, language="en")
    assert rep["ok"] and rep["items"]
    with tessera.store.session() as s:
        units = {s.get(Deal, int(row["deal"][2:])).unit_id for row in rep["items"]}
    assert units == {rep_unit} and f"D-{other}" not in {row["deal"] for row in rep["items"]}
    assert rep["about"].split(";")[0].endswith("open deals show risk signals")
    assert "how it was computed" in rep and "expected close date passed" in rep["how it was computed"]
    manager = call(tessera, "olivia.wang", "deals_at_risk", limit=50, language="en")
    assert manager["ok"] and f"D-{other}" in {row["deal"] for row in manager["items"]}
    customer = call(tessera, "cust.chen.jing", "deals_at_risk")
    assert not customer["ok"] and "customer may not read sales metrics" in customer["error"]
    mine = call(tessera, "li.wei", "deals_at_risk", limit=50, mine=True, language="en")
    with tessera.store.session() as s:
        owners = {s.get(Deal, int(row["deal"][2:])).owner_id for row in mine["items"]}
        me = s.scalar(select(User.id).where(User.login == "li.wei"))
    assert owners == {me}


def _discount_signals(store: Store, login: str) -> dict[int, str]:
    with store.session() as s:
        report = deals_at_risk(s, caller(s, login), AS_OF, limit=EVERY)
    return {d.deal_id: sig.en for d in report.deals for sig in d.signals if sig.kind == "discount"}


def test_the_units_discount_norms_follow_a_write_by_another_worker(risk_store, tmp_path):
    """The norms are kept while the deals and products tables stand still: a price change committed through another
    engine on the same database (another worker) moves the counter, and the next report reads the new norms."""
    before = _discount_signals(risk_store, "li.wei")
    assert before, "the seed has no deal above its unit's discount norm: the test proves nothing"
    deal_id, words = next(iter(before.items()))
    other = Store(risk_store.url)  # another worker's engine
    try:
        with other.session() as s:
            product_id = s.get(Deal, deal_id).product_id
            s.get(Product, product_id).price *= 2  # every deal of the product now sells at a deeper discount
    finally:
        other.dispose()
    after = _discount_signals(risk_store, "li.wei")
    assert after != before
    with risk_store.session() as s:  # what the rows say now, read without the kept norms
        from crm.outlook.deal_risk import _norms_of

        unit = s.get(Deal, deal_id).unit_id
        median, upper, n = _norms_of(s, {unit})[unit]
    shown = [w for w in after.values() if f"median {median:.0%}, 3 in 4 of its {n} deals at most {upper:.0%}" in w]
    assert shown and words not in after.values()


def test_a_session_that_changed_deals_reads_its_own_norms_before_it_commits(risk_store):
    assert _discount_signals(risk_store, "li.wei"), "no discount signal on the seed: the test proves nothing"
    with risk_store.session() as s:  # every deal of li.wei's unit sold for almost nothing, not committed
        unit = s.scalar(select(User.unit_id).where(User.login == "li.wei"))
        for deal in s.scalars(select(Deal).where(Deal.unit_id == unit)):
            deal.amount = Decimal("1")
        s.flush()
        report = deals_at_risk(s, caller(s, "li.wei"), AS_OF, limit=EVERY)
        s.rollback()
    # the unit's norm is now that near-total discount (the kept norms would say the seed's median)
    said = [sig.en for d in report.deals for sig in d.signals if sig.kind == "discount"]
    assert said and all("(median 100%," in words for words in said)
    assert _discount_signals(risk_store, "li.wei")  # rolled back: the committed rows' norms again


def test_asked_in_chinese_the_outlook_speaks_chinese_in_its_tables_and_reasons(tessera):
    """哪些商机有风险 / 本季度收入预测 / 哪个月投诉异常多: columns, stages, reasons, weights and scope in Chinese (from
    crm/outlook/words.yaml), the deals and numbers the same as in English."""
    from llm.offline.phrasing import phrase_result

    stages_zh, stages_en = {"线索", "已确认", "方案", "谈判"}, {"lead", "qualified", "proposal", "negotiation"}
    zh = call(tessera, "zhao.lei", "deals_at_risk", limit=5, language="zh")
    en = call(tessera, "zhao.lei", "deals_at_risk", limit=5, language="en")
    assert [r["商机"] for r in zh["items"]] == [r["deal"] for r in en["items"]]
    assert {r["阶段"] for r in zh["items"]} <= stages_zh and {r["stage"] for r in en["items"]} <= stages_en
    assert all(r["原因"] and not any(w in r["原因"] for w in ("expected close", "no activity", "discount"))
               for r in zh["items"])
    assert "事业部 east-enterprise、east-smb" in zh["计算方法"]
    forecast = call(tessera, "zhao.lei", "forecast_revenue", quarters="this", language="zh")
    method = forecast["计算方法"]
    assert "权重：线索" in method and not any(f"{s} " in method.split("权重：", 1)[1] for s in stages_en)
    reply = phrase_result("forecast_revenue", forecast, "zh").split("\n")
    assert reply[1].startswith("季度") and "预测" in reply[1]
    unusual = call(tessera, "zhao.lei", "metric_anomalies", metric="complaints", language="zh")
    assert list(unusual["items"][0]) == ["时段", "数值", "稳健z值", "异常", "说明"]


@pytest.mark.parametrize("login", ["admin", "zhao.lei", "li.wei"])
def test_the_few_deals_the_database_hands_back_rank_as_the_whole_list_does(risk_store, login):
    """The statement returns only the deals that can be among the riskiest (crm/outlook/risk_ranking.py): the top 1,
    5 and 12 are the head of the ranking of every flagged deal, reasons and counts alike, with and without a model."""
    def model(ids):
        return {i: (i % 7) / 20 for i in ids}  # a seventh of the deals at 0%, others at 5-30%

    with risk_store.session() as s:
        for scores in (None, model):
            every = deals_at_risk(s, caller(s, login), AS_OF, limit=EVERY, scores=scores)
            assert every.flagged == len(every.deals) > 12
            for limit in (1, 5, 12):
                top = deals_at_risk(s, caller(s, login), AS_OF, limit=limit, scores=scores)
                assert [(d.deal_id, d.risk, [sig.en for sig in d.signals]) for d in top.deals] == \
                       [(d.deal_id, d.risk, [sig.en for sig in d.signals]) for d in every.deals[:limit]]
                assert (top.open_deals, top.flagged) == (every.open_deals, every.flagged)


def _report(store: Store, login: str, limit: int = 5):
    with store.session() as s:
        r = deals_at_risk(s, caller(s, login), AS_OF, limit=limit)
    return [(d.deal_id, d.title, d.amount, d.risk, [sig.en for sig in d.signals]) for d in r.deals], r.open_deals, \
        r.flagged


def test_the_kept_ranking_follows_writes_by_another_worker_and_an_unrelated_write_changes_nothing(risk_store,
                                                                                                 monkeypatch):
    kept_ranking_follows_writes_elsewhere(risk_store, monkeypatch)


@pytest.mark.postgres
def test_on_postgres_the_kept_ranking_follows_writes_by_another_worker(pg_url, tmp_path, monkeypatch):  # noqa: F811
    tessera = Tessera(Settings(data_dir=tmp_path, database_url=pg_url), clock=lambda: FIXED_NOW)
    try:
        kept_ranking_follows_writes_elsewhere(tessera.store, monkeypatch)
    finally:
        tessera.close()


def kept_ranking_follows_writes_elsewhere(risk_store: Store, monkeypatch) -> None:
    """The ranking's rows are kept while deals, products and activities stand still (risk_ranking.TABLES): a write
    to another table reuses them with the same report; an activity logged on a quiet deal or a deal's amount changed
    by another worker shows at the next report."""
    from crm.outlook import risk_ranking

    runs = []
    statement = risk_ranking._statement
    monkeypatch.setattr(risk_ranking, "_statement", lambda *a: runs.append(a) or statement(*a))
    first = _report(risk_store, "zhao.lei")
    assert len(runs) == 1 and first[0]
    other = Store(risk_store.url)  # another worker's engine
    try:
        with other.session() as s:  # unrelated: a contact's city (its counter moves, not the ranking's tables')
            s.execute(text("UPDATE contacts SET city = 'Hangzhou' WHERE id = (SELECT MIN(id) FROM contacts)"))
        assert _report(risk_store, "zhao.lei") == first and len(runs) == 1  # kept, and the same report
        quiet = next(d for d in first[0] if any("no activity" in w for w in d[4]))
        with other.session() as s:  # relevant: someone calls about the quiet deal today
            deal = s.get(Deal, quiet[0])
            s.add(Activity(account_id=deal.account_id, deal_id=deal.id, user_id=deal.owner_id, kind="call",
                           subject="check-in", occurred_at=dt.datetime.combine(AS_OF, dt.time(9))))
        after_call = _report(risk_store, "zhao.lei")
        assert len(runs) == 2 and after_call != first
        assert all(not any("no activity" in w for w in d[4]) for d in after_call[0] if d[0] == quiet[0])
        top = after_call[0][0]
        with other.session() as s:  # relevant: the top deal's amount doubled (its discount, and the order, move)
            s.get(Deal, top[0]).amount *= 2
        after_amount = _report(risk_store, "zhao.lei")
        assert len(runs) == 3
        assert [d for d in after_amount[0] if d[0] == top[0]] != [top]
    finally:
        other.dispose()
    risk_ranking._kept.clear()  # what the rows say now, ranked afresh: the same as the kept path gave
    assert _report(risk_store, "zhao.lei") == after_amount


def test_a_session_that_logged_an_activity_ranks_its_own_rows_before_it_commits(risk_store):
    first = _report(risk_store, "zhao.lei")
    quiet = next(d for d in first[0] if any("no activity" in w for w in d[4]))
    with risk_store.session() as s:
        deal = s.get(Deal, quiet[0])
        s.add(Activity(account_id=deal.account_id, deal_id=deal.id, user_id=deal.owner_id, kind="call",
                       subject="check-in", occurred_at=dt.datetime.combine(AS_OF, dt.time(9))))
        s.flush()
        report = deals_at_risk(s, caller(s, "zhao.lei"), AS_OF, limit=EVERY)
        s.rollback()
    assert all("no activity" not in sig.en for d in report.deals if d.deal_id == quiet[0] for sig in d.signals)
    assert _report(risk_store, "zhao.lei") == first  # rolled back: the committed rows' report again
