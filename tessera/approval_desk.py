"""The approver's desk in chat: what waits for my decision, and deciding it in words ("approve it", "驳回 CD-3").

A decision taken in chat is claimed inside the approver's turn (under the same row lock as a Slack button or the
HTTP route, so of two deciders exactly one wins), and the requester's paused conversation is resumed right after
that turn, outside its locks (`Tessera.resume_claimed`). A crash in between leaves the claim on a thread still
paused on it; the requester's next turn puts it back to pending (tessera/turns.py), so nothing is booked twice or
lost."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import select

from crm.actor import Actor, Ambiguous, NotFound
from crm.models import Account, Deal, User
from crm.services.scope import require_staff
from memory.approvals import ApprovalBook, PendingApproval

_DECISION_REF = re.compile(r"^\s*CD-?(\d+)\s*$", re.I)
_DEAL_REF = re.compile(r"^\s*D-?(\d+)\s*$", re.I)
KINDS = {"contract_escalation": "discount", "quote_approval": "quote"}


class ApprovalDesk:
    def __init__(self, approvals: ApprovalBook, *, logged_as: Callable[..., dict[str, str]], clock):
        self.approvals = approvals
        self.logged_as = logged_as
        self.clock = clock
        self._claimed: dict[str, list[str]] = defaultdict(list)  # turn id → approvals claimed in that turn

    def waiting(self, actor: Actor) -> list[dict]:
        """What waits for `actor`'s decision, oldest first, as the approver reads it."""
        require_staff(actor, "have approvals to decide")
        rows = self.approvals.pending_for(actor.login)
        return self._shown(rows)

    def find(self, actor: Actor, ref: str | None) -> PendingApproval:
        """The one waiting approval `ref` names (its id, a decision id like CD-3, a deal id), or the only one."""
        require_staff(actor, "have approvals to decide")
        rows = self.approvals.pending_for(actor.login)
        if not rows:
            raise NotFound("nothing is waiting for your decision", kind="no_approvals")
        if ref:
            picked = [r for r in rows if _names(r, ref)]
            if not picked:
                known = self._shown(rows)
                raise NotFound(f"no request waiting for your decision matches '{ref}'; waiting: "
                               f"{', '.join(_label(k) for k in known)}", kind="no_approvals")
            rows = picked
        if len(rows) > 1:
            raise Ambiguous("requests waiting for your decision", ref or "which request",
                            [_label(k) for k in self._shown(rows)])
        return rows[0]

    def plan(self, actor: Actor, ref: str | None, approve: bool, note: str) -> dict:
        """What deciding would do, written nowhere: the plan shown before the approver's yes."""
        row = self.find(actor, ref)
        shown = self._shown([row])[0]
        zh = actor.language == "zh"
        verb = ("批准" if approve else "驳回") if zh else ("Approve" if approve else "Reject")
        what = _label(shown)
        then = (("申请人的对话将继续，合同会记账这笔折扣。" if approve else "申请人会收到驳回及您的说明。") if zh else
                ("the requester's conversation resumes and the request is booked." if approve else
                 "the requester is told it was rejected, with your note."))
        summary = f"{verb} {what}（{shown['requested_by']} 的申请）？{then}" if zh else \
            f"{verb} {what}, requested by {shown['requested_by']}? Then {then}"
        return {"summary": summary,
                "changes": [{"record": shown["decision"] or shown["approval"], "field": "decision",
                             "old": "pending", "new": "approved" if approve else "rejected"}],
                "affected": [shown["requested_by"]], "undo": None}

    def claim(self, actor: Actor, ref: str | None, approve: bool, note: str, *, turn_id: str) -> dict:
        """Takes the decision (exactly one decider wins); the requester's turn resumes after this turn."""
        row = self.find(actor, ref)
        shown = self._shown([row])[0]
        self.approvals.claim(row.id, actor.login, approve, note, self.clock(),
                             logged_as=self.logged_as(actor.login, row.requested_by, row.approver))
        self._claimed[turn_id].append(row.id)
        return {"decided": "approved" if approve else "rejected", "request": _label(shown),
                "requested_by": shown["requested_by"], "note": note}

    def claimed_in(self, turn_id: str) -> list[str]:
        """The approvals a turn claimed, once: their requesters' turns are resumed by the caller."""
        return self._claimed.pop(turn_id, [])

    def _shown(self, rows: list[PendingApproval]) -> list[dict]:
        with self.approvals.store.session() as s:
            logins = {r.requested_by for r in rows}
            people = dict(s.execute(select(User.login, User.display_name).where(User.login.in_(logins))).all()) \
                if logins else {}
            deal_ids = [int(m.group(1)) for r in rows if (m := _DEAL_REF.match(str(_request(r).get("deal") or "")))]
            accounts = dict(s.execute(select(Deal.id, Account.name).join(Account, Account.id == Deal.account_id)
                                      .where(Deal.id.in_(deal_ids))).all()) if deal_ids else {}
        out = []
        for r in rows:
            request, payload = _request(r), r.payload or {}
            deal = str(request.get("deal") or "") or None
            m = _DEAL_REF.match(deal or "")
            percent = request.get("percent")
            out.append({"decision": f"CD-{payload['decision_id']}" if payload.get("decision_id") else None,
                        "approval": r.id,
                        "kind": str(payload.get("kind") or KINDS.get(str(payload.get("type")), "request")),
                        "deal": deal, "account": accounts.get(int(m.group(1))) if m else None,
                        "percent": f"{percent:g}%" if isinstance(percent, (int, float)) else None,
                        "requested_by": people.get(r.requested_by, r.requested_by),
                        "asked_at": r.created_at.strftime("%Y-%m-%d %H:%M") if r.created_at else None,
                        "why": "; ".join(payload.get("reasons") or []) or None})
        return out


def _request(row: PendingApproval) -> dict:
    request = (row.payload or {}).get("request")
    return request if isinstance(request, dict) else {}


def _names(row: PendingApproval, ref: str) -> bool:
    ref = ref.strip()
    if ref == row.id:
        return True
    decision = _DECISION_REF.match(ref)
    if decision:
        return str((row.payload or {}).get("decision_id")) == decision.group(1)
    deal = _DEAL_REF.match(ref)
    wanted = _DEAL_REF.match(str(_request(row).get("deal") or ""))
    return bool(deal and wanted and deal.group(1) == wanted.group(1))


def _label(shown: dict) -> str:
    parts = [shown["decision"] or shown["approval"][:8], shown["percent"] and f"{shown['percent']} off",
             shown["deal"], shown["account"] and f"({shown['account']})"]
    return " ".join(p for p in parts if p)
