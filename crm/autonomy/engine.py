"""The contract engine: a pure function of a contract and the facts of a request, giving one of three answers
(accept, needs_evidence, reject) or, where the contract does not cover the request, escalate to a person."""
from __future__ import annotations

from dataclasses import dataclass, field

from crm.autonomy.contract import AutonomyContract
from crm.autonomy.facts import RequestFacts

EPSILON = 1e-9


@dataclass
class Decision:
    outcome: str  # accept / needs_evidence / reject / escalate
    reasons: list[str]
    numbers: dict
    rule: str | None = None  # the rule that rejected or escalated
    missing_evidence: list[str] = field(default_factory=list)
    escalate_to: str | None = None
    book: float = 0.0  # what an accept books against the discount budget


def decide(contract: AutonomyContract, facts: RequestFacts) -> Decision:
    """Red lines first (reject), then missing evidence, then what the contract leaves to a person, else accept."""
    reasons: list[str] = []
    failed = _red_lines(contract, facts, reasons)
    numbers = {**facts.model_dump(mode="json"), "acquisition_cost": facts.acquisition_cost}
    if failed:
        return Decision("reject", reasons, numbers, rule=failed[0])
    missing = _missing_evidence(contract, facts, reasons)
    if missing:
        return Decision("needs_evidence", reasons, numbers, missing_evidence=missing)
    hand_over = _not_covered(contract, facts, reasons)
    if hand_over:
        reasons.append(f"escalated to {contract.escalate_to}: the contract does not let the unit decide this alone")
        return Decision("escalate", reasons, numbers, rule=hand_over, escalate_to=contract.escalate_to)
    book = facts.discount_value if facts.kind == "discount" else 0.0
    reasons.append(f"accepted by contract of {contract.unit}" + (f"; books {book:,.2f} against the discount budget"
                                                                  if book else ""))
    return Decision("accept", reasons, numbers, book=book)


def _red_lines(c: AutonomyContract, f: RequestFacts, reasons: list[str]) -> list[str]:
    failed = []
    if f.kind == "discount" and f.percent > c.discount.max_percent + EPSILON:
        failed.append("discount.max_percent")
        reasons.append(f"REJECT discount.max_percent: {f.percent:g}% is above the contract's maximum "
                       f"{c.discount.max_percent:g}%")
    floor = c.floor_for(f.new_customer)
    who = "a new customer's first order" if f.new_customer else "an order"
    if f.new_margin + EPSILON < floor:
        failed.append("outcome_limits.margin_floor")
        reasons.append(f"REJECT outcome_limits.margin_floor: margin after discount {f.new_margin:.1%} is below the "
                       f"floor {floor:.0%} for {who} (amount {f.new_amount:,.2f}, cost {f.cost:,.2f})")
    else:
        reasons.append(f"margin after discount {f.new_margin:.1%} keeps the floor {floor:.0%} for {who}")
    ceiling = c.outcome_limits.acquisition_cost_ceiling
    if ceiling is not None and f.new_customer and f.acquisition_cost > float(ceiling) + EPSILON:
        failed.append("outcome_limits.acquisition_cost_ceiling")
        reasons.append(f"REJECT outcome_limits.acquisition_cost_ceiling: acquiring this new customer costs "
                       f"{f.acquisition_cost:,.2f}, above the ceiling {float(ceiling):,.2f}")
    if f.defaulted_payments and not c.payment.allow_defaulted:
        failed.append("payment.allow_defaulted")
        reasons.append(f"REJECT payment.allow_defaulted: {f.account} has {f.defaulted_payments} written-off "
                       f"payment(s); the contract gives no discounts or quotes to defaulters")
    if f.promised_on is not None and f.earliest_delivery > f.promised_on:
        failed.append("supply.lead_time")
        reasons.append(f"REJECT supply.lead_time: {f.product} takes {f.lead_time_days} days (stock {f.stock} for "
                       f"{f.quantity}), earliest delivery {f.earliest_delivery} is after the promised {f.promised_on}")
    if f.kind == "quote" and f.list_discount_percent > c.quote.max_list_discount_percent + EPSILON:
        failed.append("quote.max_list_discount_percent")
        reasons.append(f"REJECT quote.max_list_discount_percent: the quote is {f.list_discount_percent:g}% below list"
                       f" price {f.list_amount:,.2f}; the contract allows {c.quote.max_list_discount_percent:g}%")
    if f.kind == "discount" and f.discount_value > f.budget_left + EPSILON:
        failed.append("budgets.discount")
        reasons.append(f"REJECT budgets.discount: the discount costs {f.discount_value:,.2f} but only "
                       f"{f.budget_left:,.2f} of {f.budget_limit:,.2f} is left for {f.budget_period}")
    elif f.kind == "discount":
        reasons.append(f"budget {f.budget_period}: {f.budget_left:,.2f} of {f.budget_limit:,.2f} left, "
                       f"this discount costs {f.discount_value:,.2f}")
    if (f.kind == "discount" and f.competitor_price is not None and f.percent > c.discount.evidence_above_percent
            and f.unit_price_after < f.competitor_price * (1 - c.discount.competitor_undercut_tolerance) - EPSILON):
        failed.append("discount.competitor_undercut")
        reasons.append(f"REJECT discount.competitor_undercut: unit price after discount {f.unit_price_after:,.2f} is "
                       f"more than {c.discount.competitor_undercut_tolerance:.0%} below the competitor's "
                       f"{f.competitor_price:,.2f} in {f.region}; a smaller discount already matches it")
    return failed


def _missing_evidence(c: AutonomyContract, f: RequestFacts, reasons: list[str]) -> list[str]:
    missing = []
    if f.kind == "discount" and f.percent > c.discount.evidence_above_percent:
        if f.competitor_price is None:
            missing.append(f"a competitor price for {f.product} in region {f.region} (record it with "
                           f"record_competitor_price)")
        else:
            reasons.append(f"competitor price {f.competitor_price:,.2f} per unit in {f.region}; ours after discount "
                           f"{f.unit_price_after:,.2f}")
        if not f.reason:
            missing.append("the reason for the discount (what the customer asked for, against which offer)")
    if c.discount.require_promised_date and f.promised_on is None:
        missing.append(f"the promised delivery date ({f.product} takes {f.lead_time_days} days)")
    elif f.promised_on is not None:
        reasons.append(f"earliest delivery {f.earliest_delivery} meets the promised {f.promised_on}")
    if missing:
        reasons.append("NEEDS EVIDENCE: " + "; ".join(missing))
    return missing


def _not_covered(c: AutonomyContract, f: RequestFacts, reasons: list[str]) -> str | None:
    if f.region not in c.data.regions:
        reasons.append(f"region {f.region} is outside the contract's regions {', '.join(c.data.regions)}")
        return "data.regions"
    if f.max_days_late > c.payment.max_days_late:
        reasons.append(f"{f.account} paid up to {f.max_days_late} days late ({f.late_payments} of {f.payments} "
                       f"payments late); the contract decides alone up to {c.payment.max_days_late} days")
        return "payment.max_days_late"
    reasons.append(f"payment history: {f.late_payments} of {f.payments} payments late, at most {f.max_days_late} days")
    if f.kind == "quote":
        if f.new_amount > float(c.quote.auto_approve_max_amount) + EPSILON:
            reasons.append(f"quote {f.new_amount:,.2f} is above the unit's own approval limit "
                           f"{float(c.quote.auto_approve_max_amount):,.2f}")
            return "quote.auto_approve_max_amount"
        return None
    if f.percent <= c.discount.auto_approve_max_percent + EPSILON:
        reasons.append(f"{f.percent:g}% is within the unit's own approval limit {c.discount.auto_approve_max_percent:g}%")
        return None
    exemption = next((e for e in c.exemptions if _exempt(e, f)), None)
    if exemption is not None:
        reasons.append(f"{f.percent:g}% is above {c.discount.auto_approve_max_percent:g}% but exempt: "
                       f"'{exemption.name}' (acquisition cost {f.acquisition_cost:,.2f}, {f.cycle_days} days open)")
        return None
    reasons.append(f"{f.percent:g}% is above the unit's own approval limit {c.discount.auto_approve_max_percent:g}% "
                   f"and no approval exemption applies")
    return "discount.auto_approve_max_percent"


def _exempt(e, f: RequestFacts) -> bool:
    return (f.percent <= e.max_percent + EPSILON and (f.new_customer or not e.new_customer_only)
            and (e.max_acquisition_cost is None or f.acquisition_cost <= float(e.max_acquisition_cost) + EPSILON)
            and (e.max_cycle_days is None or f.cycle_days <= e.max_cycle_days))
