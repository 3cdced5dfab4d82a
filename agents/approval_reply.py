"""The reply of a turn that paused for a person's decision (an escalated discount or quote), in the user's language."""
from __future__ import annotations

KINDS_ZH = {"discount": "折扣", "quote": "报价"}


def approval_reply(approval: dict, lang: str) -> str:
    """Who must decide, the approval's id, and why the contract hands it over (the engine's reasons, as given)."""
    payload = approval["payload"]
    reasons = "; ".join(payload.get("reasons") or [])
    if lang == "zh":
        request = payload.get("request") or {}
        what = KINDS_ZH.get(str(payload.get("kind")), "这项")
        deal = f"（{request['deal']}）" if request.get("deal") else ""
        lead = (f"这项{what}申请{deal}超出了事业部合同可自行决定的范围，已提交给 {payload.get('approver') or '经理'} "
                f"审批（审批编号 {approval['id']}）。")
        return f"{lead}依据：{reasons}" if reasons else lead
    return (f"This needs a decision from {payload.get('approver') or 'a manager'} "
            f"(approval {approval['id']}). {reasons}").strip()
