"""A contract decision as a tool result: one line saying what happened, the record, the reasons and the numbers."""
from __future__ import annotations

LEADS = {
    "accept": "accepted",
    "needs_evidence": "needs evidence",
    "reject": "rejected",
    "escalated": "waiting for approval",
}


def tool_result(view: dict) -> dict:
    n = view["numbers"]
    what = f"{n['percent']:g}% off {n['deal']}" if view["kind"] == "discount" else f"quote {n['deal']} at {n['new_amount']:,.2f}"
    line = f"{LEADS[view['outcome']]}: {what} ({n['account']})"
    if view["outcome"] == "accept" and view["booked"]:
        line += f", {view['booked']:,.2f} booked against the {n['budget_period']} discount budget"
    elif view["outcome"] == "reject":
        line += f", rule {view['rule']}"
    elif view["outcome"] == "needs_evidence":
        line += ": missing " + "; ".join(view["missing_evidence"])
    elif view["outcome"] == "escalated":
        line += f", sent to {view['escalate_to']} ({view['rule']})"
    if view.get("approver"):
        line += f", decided by {view['approver']}"
    record = {"decision": view["decision"], "outcome": view["outcome"], "deal": n["deal"], "account": n["account"],
              "amount_after": n["new_amount"], "margin_after": f"{n['new_margin']:.1%}",
              "discount_cost": n["discount_value"], "booked": view["booked"],
              "budget_left": round(n["budget_left"] - view["booked"], 2)}  # after this booking
    return {"done": line, "record": record, "outcome": view["outcome"], "rule": view["rule"],
            "decision_id": view["decision_id"], "missing_evidence": view["missing_evidence"],
            "reasons": view["reasons"], "numbers": n, "repeated": view["repeated"]}
