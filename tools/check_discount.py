"""Tool: what the unit's contract would say to a discount on a deal, or the most it allows; writes nothing."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from crm.autonomy.dry_run import check_discount
from tools.base import ToolContext, ToolSpec, entity, slot


class CheckDiscountArgs(BaseModel):
    deal: str = entity("deal", "the deal: its id like D-1042, or words of its title such as the account or product")
    percent: float | None = Field(None, gt=0, lt=100, description="the discount asked about, in percent; leave it out "
                                  "to ask how much the contract allows", json_schema_extra={"x-slot": "percent"})
    promised_on: dt.date | None = slot("date", "the delivery date promised to the customer", None)


def run(ctx: ToolContext, args: CheckDiscountArgs) -> dict:
    view = check_discount(ctx.store, ctx.actor, deal=args.deal, percent=args.percent, promised_on=args.promised_on,
                          now=ctx.clock())
    n, limits, outcome = view["numbers"], view["limits"], view["outcome"]
    if view["asked"] is None:  # "how much can I give?": the most, and what asking for it would meet
        verdict = "most_" + outcome
    else:
        verdict = outcome if outcome != "reject" else "reject_most" if limits["most_percent"] > 0 else "reject_none"
    values = {"percent": f"{view['percent']:g}%", "deal": view["deal"], "account": n["account"],
              "unit": view["unit"], "rule": view["rule"] or "", "approver": view["escalate_to"] or "",
              "missing": "; ".join(view["missing_evidence"]), "most": f"{limits['most_percent']:g}%",
              "why": {"verdict": f"why_{limits['binding']}", "values": limits["bound_values"], "text": limits["why"]},
              "alone": f"{limits['unit_decides_up_to']:g}%",
              "evidence": f"{limits['evidence_above']:g}%"}
    result = {"verdict": verdict, "values": values, "reasons": view["reasons"]}
    if "new_amount" in n:
        result["record"] = {"deal": view["deal"], "account": n["account"], "amount_after": n["new_amount"],
                            "margin_after": f"{n['new_margin']:.1%}", "discount_cost": n["discount_value"],
                            "budget_left": n["budget_left"]}
    return result


TOOL = ToolSpec(
    name="check_discount",
    summary=("Check a discount against the unit's autonomy contract without asking for it: whether a given "
             "percentage would be accepted, need evidence, be rejected (and by which rule) or go to the approver; "
             "or, with no percentage, the most the contract, the margin floor and the budget allow on that deal. "
             "Nothing is requested or booked."),
    args=CheckDiscountArgs,
    run=run,
    examples=[
        "can we do 12% off for Initech?",
        "would the contract accept 10% off D-1042?",
        "is 8% on the Globex deal within our limits?",
        "how much discount can I give on D-1867?",
        "what's the most I can knock off the Acme Robotics renewal?",
        "what happens if I ask for 25% off the scanner deal?",
        "客户要求再让5个点，能批吗",
        "海天电子的商机打九折合同允许吗？",
        "D-1993最多能给多少折扣？",
        "这个商机能不能给10%的优惠",
        "客户想要八五折，这个价格我们接受得了吗",
        "如果给他们降价12%，合同会不会拒绝？",
    ],
)
