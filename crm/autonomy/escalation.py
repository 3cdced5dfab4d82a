"""The escalation contract with the graph: a request the contract does not cover pauses for a person's decision."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from crm.autonomy.decisions import resolve_escalation
from crm.autonomy.results import tool_result
from crm.store import Store


class NeedsApproval(Exception):
    """Raised by a tool body after storing a pending decision. The graph pauses with `payload` (JSON-able: the
    request, reasons, approver login, decision id) and, once a person decides, calls
    `resume({"approved": bool, "approver": login, "note": str})`, which returns the tool's final result dict.
    Re-running the tool finds the same pending decision, and `resume` is idempotent."""

    def __init__(self, payload: dict, resume: Callable[[dict], dict]):
        super().__init__(f"decision {payload.get('decision')} waits for {payload.get('approver')}")
        self.payload = payload
        self.resume = resume


def raise_if_escalated(store: Store, view: dict, *, clock: Callable[[], dt.datetime]) -> dict:
    """Return a decided request's view; for an escalated one raise NeedsApproval whose `resume` settles it."""
    if view["outcome"] != "escalated":
        return view
    def resume(answer: dict) -> dict:
        try:
            settled = resolve_escalation(store, view["decision_id"], approved=bool(answer.get("approved")),
                                         approver=str(answer.get("approver") or ""), note=str(answer.get("note") or ""),
                                         now=clock())
        except (LookupError, PermissionError, ValueError) as exc:
            return {"ok": False, "error": str(exc)}
        return {"ok": True, **tool_result(settled)}

    payload = {"type": "contract_escalation", "decision": view["decision"], "decision_id": view["decision_id"],
               "approver": view["escalate_to"], "rule": view["rule"], "kind": view["kind"],
               "request": {"deal": view["deal"], "percent": view["numbers"]["percent"],
                           "reason": view["numbers"].get("reason")},
               "reasons": view["reasons"], "numbers": view["numbers"]}
    raise NeedsApproval(payload, resume)
