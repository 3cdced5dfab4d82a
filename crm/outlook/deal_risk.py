"""Open deals at risk, each with its reasons in words and numbers: the expected close date has passed (and since
when the deal has sat at its stage, from its stage history), nobody has touched the deal for a while, its discount
is above its unit's norm, its account pays late, or the deal-score model gives it a low chance. Deals are ranked
by how many signals they show and how strong those are, then by amount."""
from __future__ import annotations

import datetime as dt
import statistics
import threading
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm import data_versions
from crm.metrics.answer import fmt
from crm.metrics.scope import Caller, scope_words
from crm.models import Account, Deal, DealStageChange, Product, SalesUnit, User
from crm.outlook.risk_ranking import in_scope, ranked_candidates
from crm.outlook.words import columns, reason, scope_in, separator, stage_name

QUIET_DAYS = 30  # no activity on the deal for this many days is a signal
NORM_QUANTILE = 0.75  # a discount above this quantile of the unit's deals is above its norm
LATE_LOOKBACK_DAYS = 365
LATE_PAYMENTS = 2  # late instalments of the account in the past year that make a signal (one overdue now does too)
LOW_SCORE = 0.30  # a win probability below this is a signal
# what the signals read of an open deal (amount and price as floats), as the ranking statement returns it
OpenDeal = namedtuple("OpenDeal", "id title stage amount quantity expected_close created_on unit_id account_id price")


@dataclass
class Signal:
    kind: str  # slipped | quiet | discount | late_payments | low_score
    strength: float  # 0..1, how far past the line
    words_of: str  # which reason in words.yaml says it (slipped_at_stage, quiet_since_created, ...)
    values: dict  # the numbers the reason is filled with

    def words(self, lang: str) -> str:
        """The reason in `lang` (crm/outlook/words.yaml): said only for the deals shown, not every deal checked."""
        return reason(self.words_of, lang, **self.values)

    @property
    def en(self) -> str:
        return self.words("en")

    @property
    def zh(self) -> str:
        return self.words("zh")


@dataclass
class DealRisk:
    deal_id: int
    title: str
    account: str
    owner: str
    stage: str
    amount: float
    expected_close: dt.date
    signals: list[Signal] = field(default_factory=list)

    @property
    def risk(self) -> float:
        return round(sum(1 + s.strength for s in self.signals), 2)


@dataclass
class RiskReport:
    deals: list[DealRisk]  # the ranked deals at risk, at most `limit`
    open_deals: int  # open deals looked at
    flagged: int  # of which with at least one signal
    quiet_days: int
    scored: bool  # whether the deal-score model's chances were used
    scope: str
    asked: int | None = None  # one deal asked about ("why is the first one at risk?"): only its signals

    def sentence(self, lang: str = "en") -> str:
        if self.asked is not None:
            return self._one_deal(lang)
        if not self.deals:
            return (f"{self.open_deals} 个未关闭商机中没有发现风险信号。" if lang == "zh" else
                    f"None of the {self.open_deals} open deals shows a risk signal.")
        top = self.deals[0]
        reasons = separator(lang).join(s.words(lang) for s in top.signals)
        if lang == "zh":
            return (f"{self.open_deals} 个未关闭商机中有 {self.flagged} 个有风险信号；风险最高的是 D-{top.deal_id} "
                    f"{top.title}（{fmt(top.amount, 'money', 'zh')}）：{reasons}。")
        return (f"{self.flagged} of {self.open_deals} open deals show risk signals; the riskiest is D-{top.deal_id} "
                f"{top.title} ({fmt(top.amount, 'money')}): {reasons}.")

    def _one_deal(self, lang: str) -> str:
        """Why one deal is at risk: its signals in words and numbers, or that it shows none."""
        if not self.deals:
            return (f"D-{self.asked} 不是您范围内的未关闭商机，或者没有任何风险信号。" if lang == "zh" else
                    f"D-{self.asked} shows no risk signal, or is not an open deal in your scope.")
        d = self.deals[0]
        reasons = separator(lang).join(s.words(lang) for s in d.signals)
        if lang == "zh":
            return (f"D-{d.deal_id} {d.title}（{fmt(d.amount, 'money', 'zh')}，{stage_name(d.stage, 'zh')}，负责人 {d.owner}）"
                    f"有 {len(d.signals)} 个风险信号：{reasons}。")
        return (f"D-{d.deal_id} {d.title} ({fmt(d.amount, 'money')}, {stage_name(d.stage, 'en')}, owner {d.owner}) "
                f"is at risk for {len(d.signals)} reason{'s' if len(d.signals) != 1 else ''}: {reasons}.")

    def table(self, lang: str = "en") -> list[dict]:
        cols = columns("deals_at_risk", lang)
        return [dict(zip(cols, (f"D-{d.deal_id}", d.title, d.owner, stage_name(d.stage, lang),
                                fmt(d.amount, "money", lang), d.expected_close.isoformat(), len(d.signals),
                                separator(lang).join(s.words(lang) for s in d.signals))))
                for d in self.deals]

    def method(self, lang: str = "en") -> str:
        if lang == "zh":
            return (f"查看范围内全部 {self.open_deals} 个未关闭商机（{scope_in(self.scope, 'zh')}）。信号：预计成交日期已过；"
                    f"超过 {self.quiet_days} 天没有跟进；折扣高于所在单元商机折扣的第75百分位；客户过去一年有 "
                    f"{LATE_PAYMENTS} 笔以上逾期付款或当前有逾期未付；" +
                    (f"赢单概率模型给出的概率低于 {LOW_SCORE:.0%}。" if self.scored else "（赢单概率模型未启用）。") +
                    "排序：信号数及其强度之和，其次按金额。")
        return (f"All {self.open_deals} open deals in scope ({self.scope}) checked for: expected close date passed; "
                f"no activity for {self.quiet_days}+ days; discount above the 75th percentile of its unit's deals; "
                f"the account paid {LATE_PAYMENTS}+ instalments late in the past year or owes one overdue now; " +
                (f"a win probability below {LOW_SCORE:.0%} from the deal-score model. " if self.scored else
                 "(no deal-score model was available). ") +
                "Ranked by the number of signals plus their strength (0-1 each), then by amount.")


def deals_at_risk(session: Session, caller: Caller, today: dt.date, *, limit: int = 5, quiet_days: int = QUIET_DAYS,
                  owner_id: int | None = None, scores: Callable[[list[int]], dict[int, float]] | None = None,
                  scope: str = "", deal_id: int | None = None) -> RiskReport:
    """The `limit` riskiest open deals in the caller's units (of one owner when `owner_id` is given); `scores` gives
    the win probability of deals by id (the deal-score model), or is None when there is no model. The database ranks
    the deals by all signals but the model's (crm/outlook/risk_ranking.py) and returns the few that can be among the
    riskiest; here they get their reasons and the exact order. With `deal_id`, only that deal (if open and in the
    caller's units) with all its signals, wherever it ranks."""
    units_in = tuple(caller.units) if caller.units is not None else None
    scope = scope or scope_words(session, caller)
    chances = {}
    if scores:  # the model scores every open deal in scope: those it rates low are flagged whatever else they show
        ids = list(session.scalars(select(Deal.id).where(*in_scope(units_in, owner_id))))
        chances = scores(ids) if ids else {}
    unit_ids = set(caller.units) if caller.units is not None else set(session.scalars(select(SalesUnit.id)))
    norms = _discount_norms(session, unit_ids)
    units = dict(session.execute(select(SalesUnit.id, SalesUnit.name)).all()) if norms else {}
    low = [d for d, p in chances.items() if p < LOW_SCORE]
    if deal_id is not None:
        low.append(deal_id)  # a candidate whatever its rank (the scope still holds: another unit's deal is not read)
    ranked = ranked_candidates(session, units_in, owner_id, today, limit=limit, quiet_days=quiet_days,
                               uppers={u: n[1] for u, n in norms.items()}, late_lookback_days=LATE_LOOKBACK_DAYS,
                               late_payments=LATE_PAYMENTS, also=low)
    found, flagged_by_model = [], 0
    for row in ranked.rows:
        deal = OpenDeal(*(row._mapping[k] for k in OpenDeal._fields))
        paid = ranked.payments.get(deal.account_id)
        late = None if paid is None else {"due": paid[1], "late": paid[2], "overdue": paid[3], "oldest": paid[4]}
        signals = [s for s in (
            _slipped(deal, today, None), _quiet(deal, row.last, today, quiet_days),
            _discount(row.discount, norms.get(deal.unit_id), units.get(deal.unit_id, "")),
            _late(late), _low_score(chances.get(deal.id))) if s]
        if signals:
            found.append((round(sum(1 + s.strength for s in signals), 2), deal, signals))
            flagged_by_model += not row.risk
    if deal_id is not None:
        found = [f for f in found if f[1].id == deal_id]
    found.sort(key=lambda r: (-r[0], -r[1].amount, r[1].id))
    shown = found[:limit]
    names = _names(session, [deal.id for _, deal, _ in shown])
    at_stage_since = _stage_entered(session, [deal.id for _, deal, signals in shown if signals[0].kind == "slipped"])
    deals = [DealRisk(deal.id, deal.title, *names[deal.id], deal.stage, deal.amount, deal.expected_close,
                      [_slipped(deal, today, at_stage_since.get(deal.id)) if s.kind == "slipped" else s
                       for s in signals])
             for _, deal, signals in shown]
    return RiskReport(deals, ranked.open_deals, ranked.flagged + flagged_by_model, quiet_days, bool(chances), scope,
                      deal_id)


def _names(session: Session, deal_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Deal -> (account, owner) for the few deals shown."""
    if not deal_ids:
        return {}
    q = (select(Deal.id, Account.name, User.display_name).join(Account, Account.id == Deal.account_id)
         .join(User, User.id == Deal.owner_id).where(Deal.id.in_(deal_ids)))
    return {deal_id: (account, owner) for deal_id, account, owner in session.execute(q)}


def discount_of(amount, price, quantity: int) -> float:
    list_value = float(price) * max(quantity, 1)
    return max(0.0, 1 - float(amount) / list_value) if list_value else 0.0


def _stage_entered(session: Session, deal_ids: list[int]) -> dict[int, dt.date]:
    """Deal -> the day it last entered the stage it is at, from its stage history (deals without one: absent)."""
    if not deal_ids:
        return {}
    q = (select(DealStageChange.deal_id, func.max(DealStageChange.at))
         .join(Deal, (Deal.id == DealStageChange.deal_id) & (Deal.stage == DealStageChange.to_stage))
         .where(DealStageChange.deal_id.in_(deal_ids)).group_by(DealStageChange.deal_id))
    return {deal_id: (at.date() if isinstance(at, dt.datetime) else dt.date.fromisoformat(str(at)[:10]))
            for deal_id, at in session.execute(q)}


def _discount_norms(session: Session, unit_ids: set[int]) -> dict[int, tuple[float, float, int]]:
    """Unit -> (median discount, NORM_QUANTILE discount, deals) over all the unit's deals. A unit's norms are kept
    per database, once read, while the deals and products tables stand still (crm/data_versions.py: any write, by any
    process, moves their counters); a session that wrote either itself reads its own rows."""
    if not unit_ids:
        return {}
    stamp = data_versions.versions(session, NORM_TABLES)  # before the rows: a write in between reloads once more
    if any(data_versions.wrote_in(session, t) for t in NORM_TABLES):
        return _norms_of(session, unit_ids)
    where = str(session.get_bind().url)
    with _norms_lock:
        kept = _norms_kept.get(where)
        if kept is None or kept[0] != stamp:
            kept = _norms_kept[where] = (stamp, {})
        known = dict(kept[1])
    missing = set(unit_ids) - known.keys()
    if missing:  # read only the units not kept yet (a unit with too few deals is kept as None)
        read = _norms_of(session, missing)
        read = {u: read.get(u) for u in missing}
        with _norms_lock:
            kept[1].update(read)
        known.update(read)
    return {u: known[u] for u in unit_ids if known[u] is not None}


NORM_TABLES = ("deals", "products")
_norms_kept: dict[str, tuple[tuple[int, ...], dict[int, tuple[float, float, int] | None]]] = {}
_norms_lock = threading.Lock()


def _norms_of(session: Session, unit_ids: set[int]) -> dict[int, tuple[float, float, int]]:
    """The norms of these units read from the rows."""
    q = (select(Deal.unit_id, Deal.amount, Product.price, Deal.quantity).join(Product, Product.id == Deal.product_id)
         .where(Deal.unit_id.in_(unit_ids)))
    by_unit: dict[int, list[float]] = {}
    for unit_id, amount, price, quantity in session.execute(q):
        by_unit.setdefault(unit_id, []).append(discount_of(amount, price, quantity))
    return {u: (statistics.median(v), quantile(v, NORM_QUANTILE), len(v)) for u, v in by_unit.items() if len(v) >= 4}


def quantile(values: list[float], q: float) -> float:
    """The q-quantile by linear interpolation between order statistics (numpy's default)."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _slipped(deal: OpenDeal, today: dt.date, at_stage_since: dt.date | None) -> Signal | None:
    """The expected close has passed; with the stage history, also how long the deal has been stuck at its stage."""
    days = (today - deal.expected_close).days
    if days <= 0:
        return None
    values = {"expected_close": deal.expected_close, "days": days}
    if at_stage_since is None:
        return Signal("slipped", min(days / 90, 1.0), "slipped", values)
    values.update(stage=deal.stage, since=at_stage_since, stuck=(today - at_stage_since).days)
    return Signal("slipped", min(days / 90, 1.0), "slipped_at_stage", values)


def _quiet(deal: OpenDeal, last: dt.date | None, today: dt.date, quiet_days: int) -> Signal | None:
    since = last or deal.created_on
    days = (today - since).days
    if days < quiet_days:
        return None
    strength = min((days - quiet_days) / max(quiet_days, 1) / 2, 1.0)
    if last is None:
        return Signal("quiet", strength, "quiet_since_created", {"days": days})
    return Signal("quiet", strength, "quiet", {"days": days, "last": last})


def _discount(discount: float, norm: tuple[float, float, int] | None, unit: str) -> Signal | None:
    if norm is None or discount <= norm[1]:
        return None
    median, upper, n = norm
    return Signal("discount", min((discount - upper) / 0.10, 1.0), "discount",
                  {"discount": discount, "unit": unit, "median": median, "n": n, "upper": upper})


def _late(payments: dict | None) -> Signal | None:
    if not payments or (payments["late"] < LATE_PAYMENTS and not payments["overdue"]):
        return None
    strength = min((payments["late"] + 2 * payments["overdue"]) / max(payments["due"], 1), 1.0)
    return Signal("late_payments", strength, "late_payments_overdue" if payments["overdue"] else "late_payments",
                  dict(payments))


def _low_score(p: float | None) -> Signal | None:
    if p is None or p >= LOW_SCORE:
        return None
    return Signal("low_score", (LOW_SCORE - p) / LOW_SCORE, "low_score", {"chance": p})
