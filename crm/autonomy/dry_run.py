"""What the unit's contract would answer to a discount, decided now and written nowhere.

A rep asking "can we do 12% for Initech?" or "how much can I give on D-1867?" gets the contract's answer before
anything is requested or booked: the outcome and its reasons, or, without a percentage, the most the contract and the
deal's numbers allow (the contract's maximum, the margin floor, the budget left) and where approval and evidence
start. Requesting it is a separate write (`request_decision`), which decides again on the facts of that moment.
"""
from __future__ import annotations

import datetime as dt
import math

from crm.actor import Actor, Invalid
from crm.autonomy.contract import AutonomyContract
from crm.autonomy.decisions import contract_of, open_deal_to_decide
from crm.autonomy.engine import decide
from crm.autonomy.facts import RequestFacts, gather_facts
from crm.services.scope import require_staff
from crm.store import Store


def check_discount(store: Store, actor: Actor, *, deal: str, percent: float | None, reason: str | None = None,
                   promised_on: dt.date | None = None, now: dt.datetime) -> dict:
    """The decision a discount request would get now, or (percent None) the largest discount the contract allows."""
    require_staff(actor, "check discounts against the unit's contract")
    if percent is not None and not 0 < percent < 100:
        raise Invalid(f"a discount is a percentage between 0 and 100, not {percent:g}", kind="percent_range",
                      percent=f"{percent:g}")
    with store.session() as s:
        target = open_deal_to_decide(s, actor, deal)
        version, contract = contract_of(s, target.unit_id)

        def facts_at(p: float) -> RequestFacts:
            return gather_facts(s, contract, target, kind="discount", percent=p, reason=reason,
                                promised_on=promised_on, today=now.date())

        limits = discount_limits(contract, facts_at(0.0))
        at_most = facts_at(limits["most_percent"]) if limits["most_percent"] > 0 else None
        at_most_decided = decide(contract, at_most) if at_most is not None else None
        if at_most_decided is not None and at_most_decided.outcome == "reject":
            # a red line no percentage passes: a defaulter, a delivery date
            limits.update(most_percent=0.0, binding=at_most_decided.rule,
                          why=next(r for r in at_most_decided.reasons if r.startswith("REJECT")).split(": ", 1)[-1])
            limits["bound_values"]["most"] = "0%"
            at_most = None
        tried = percent if percent is not None else limits["most_percent"]
        facts = at_most if percent is None else facts_at(tried)  # the facts at the most are read once
    view = {"deal": f"D-{target.id}", "unit": contract.unit, "contract_version": version, "asked": percent,
            "percent": tried, "limits": limits}
    if facts is None:  # not even the smallest discount fits: the limits say which bound is at zero
        return {**view, "outcome": "reject", "rule": limits["binding"], "reasons": [limits["why"]],
                "missing_evidence": [], "escalate_to": None,
                "numbers": {"account": limits["account"], "amount": limits["amount"]}}
    decision = decide(contract, facts)
    return {**view, "outcome": decision.outcome, "rule": decision.rule, "reasons": decision.reasons,
            "missing_evidence": decision.missing_evidence, "escalate_to": decision.escalate_to,
            "numbers": decision.numbers}


def discount_limits(contract: AutonomyContract, facts: RequestFacts) -> dict:
    """The largest discount on this deal that no red line rejects, and which bound sets it."""
    floor = contract.floor_for(facts.new_customer)
    share = (lambda value: 100 * value / facts.amount) if facts.amount else (lambda value: 0.0)
    bounds = {"discount.max_percent": contract.discount.max_percent,
              "outcome_limits.margin_floor": _percent_keeping_margin(facts.amount, facts.cost, floor),
              "budgets.discount": share(facts.budget_left)}
    ceiling = contract.outcome_limits.acquisition_cost_ceiling
    if facts.new_customer and ceiling is not None:
        bounds["outcome_limits.acquisition_cost_ceiling"] = share(float(ceiling))
    if facts.competitor_price is not None:  # below the rival's price less the tolerance only up to the evidence line
        lowest = facts.competitor_price * (1 - contract.discount.competitor_undercut_tolerance) * facts.quantity
        bounds["discount.competitor_undercut"] = max(contract.discount.evidence_above_percent,
                                                     share(facts.amount - lowest))
    binding = min(bounds, key=bounds.get)
    most = max(0.0, math.floor(bounds[binding] * 10) / 10)  # rounded down: the figure itself must pass
    why = {"discount.max_percent": f"the contract's maximum is {contract.discount.max_percent:g}%",
           "outcome_limits.margin_floor": f"beyond {most:g}% the margin falls below the {floor:.0%} floor",
           "budgets.discount": f"{facts.budget_left:,.2f} is left in the {facts.budget_period} discount budget",
           "outcome_limits.acquisition_cost_ceiling": f"winning this new customer may cost at most {ceiling}",
           "discount.competitor_undercut": f"beyond {most:g}% the price falls too far below the competitor's "
                                           f"{facts.competitor_price}"}
    # what a sentence about any binding needs, formatted once, so a reply can word it in the user's language
    bound_values = {"most": f"{most:g}%", "max": f"{contract.discount.max_percent:g}%", "floor": f"{floor:.0%}",
                    "left": f"{facts.budget_left:,.2f}", "period": facts.budget_period, "ceiling": str(ceiling),
                    "price": str(facts.competitor_price), "account": facts.account, "product": facts.product,
                    "days": str(facts.lead_time_days)}
    return {"most_percent": most, "binding": binding, "why": why[binding], "bound_values": bound_values,
            "unit_decides_up_to": contract.discount.auto_approve_max_percent,
            "evidence_above": contract.discount.evidence_above_percent,
            "margin_floor": floor, "budget_left": facts.budget_left, "amount": facts.amount,
            "account": facts.account}


def _percent_keeping_margin(amount: float, cost: float, floor: float) -> float:
    """The discount at which the margin (amount after discount - cost) / amount after discount equals the floor."""
    if amount <= 0:
        return 0.0
    lowest_amount = cost / (1 - floor)
    return max(0.0, 100 * (1 - lowest_amount / amount))
