"""A request the contract does not cover pauses the conversation; the approver's decision resumes it, across a restart."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.autonomy.models import BudgetPool, ContractDecision
from tests.autonomy_support import LATER, find_deal
from tests.conftest import FIXED_NOW, settings_for
from tests.scripted_model import ScriptedModel, install
from tessera.runtime import Tessera
from tessera.settings import AgentModels

UNIT = "east-enterprise"


def escalating_deal(store) -> str:
    facts = find_deal(store, UNIT, 8, lambda f: not f.new_customer and f.competitor_price is not None
                      and f.max_days_late == 0 and not f.defaulted_payments
                      and f.unit_price_after >= f.competitor_price * 0.95 and f.new_margin > 0.25)
    return facts.deal


def test_an_escalated_discount_waits_for_the_manager_and_resumes_after_a_restart(data_dir):
    scripted = ScriptedModel()
    install(scripted)
    models = AgentModels(sales="scripted/llm", fallbacks=[])
    first = Tessera(settings_for(data_dir, models=models), clock=lambda: FIXED_NOW, seed=False)
    deal = escalating_deal(first.store)
    scripted.enqueue({"content": "The rep asks for 8% to match a rival.",
                      "tool_calls": [{"name": "request_discount",
                                      "args": {"deal": deal, "percent": 8, "reason": "matching a rival's offer",
                                               "promised_on": LATER.isoformat()}}]})
    paused = first.chat("li.wei", "discount", f"give {deal} 8% off, a rival offered less")
    assert paused.confirmation["tool"] == "request_discount"  # booking a discount is confirmed first
    paused = first.chat("li.wei", "discount", "yes")
    assert paused.approval is not None and paused.approval["payload"]["approver"] == "zhao.lei"
    assert "zhao.lei" in paused.reply
    assert [a.id for a in first.approvals.pending_for("zhao.lei")] == [paused.approval["id"]]
    first.close()

    second = Tessera(settings_for(data_dir, models=models), clock=lambda: FIXED_NOW, seed=False)
    with pytest.raises(PermissionError):
        second.decide(paused.approval["id"], "emma.chen", approved=True)  # a rep may not approve
    scripted.enqueue({"content": "Approved by your manager: the discount is booked."})
    resumed = second.decide(paused.approval["id"], "zhao.lei", approved=True, note="strategic account")
    assert resumed.reply == "Approved by your manager: the discount is booked."
    tool_result = scripted.history[-1]["messages"][-1]
    assert tool_result["role"] == "tool" and "accept" in tool_result["content"]
    with second.store.session() as s:
        booked = s.scalar(select(func.sum(ContractDecision.booked)).where(ContractDecision.requested_by == "li.wei"))
        assert booked > 0
        assert s.scalar(select(func.sum(BudgetPool.used_amount))) >= booked
    assert second.approvals.get(paused.approval["id"]).status == "approved"
    with pytest.raises(ValueError, match="already approved"):
        second.decide(paused.approval["id"], "zhao.lei", approved=True)
    second.close()


def test_the_approver_decides_over_http_and_the_requester_gets_the_resumed_reply(data_dir):
    from fastapi.testclient import TestClient

    from channels.auth import issue_token
    from channels.http_api import create_app

    scripted = ScriptedModel()
    install(scripted)
    app = Tessera(settings_for(data_dir, models=AgentModels(sales="scripted/llm", fallbacks=[])),
                  clock=lambda: FIXED_NOW, seed=False)
    deal = escalating_deal(app.store)
    scripted.enqueue({"tool_calls": [{"name": "request_discount", "args": {
        "deal": deal, "percent": 8, "reason": "rival offer", "promised_on": LATER.isoformat()}}]},
        {"content": "Your manager declined the discount."})
    paused = app.chat("li.wei", "http", f"8% off {deal} please")
    assert paused.confirmation["tool"] == "request_discount"  # booking a discount is confirmed first
    paused = app.chat("li.wei", "http", "yes")
    with app.store.session() as s:
        manager, rep = issue_token(s, "zhao.lei"), issue_token(s, "li.wei")
    with TestClient(create_app(app)) as client:
        waiting = client.get("/v1/approvals", headers={"Authorization": f"Bearer {manager}"}).json()
        assert [w["id"] for w in waiting] == [paused.approval["id"]]
        refused = client.post(f"/v1/approvals/{paused.approval['id']}", json={"approved": True},
                              headers={"Authorization": f"Bearer {rep}"})
        assert refused.status_code == 403
        r = client.post(f"/v1/approvals/{paused.approval['id']}", json={"approved": False, "note": "too deep"},
                        headers={"Authorization": f"Bearer {manager}"})
    assert r.status_code == 200 and r.json()["reply"] == "Your manager declined the discount."
    with app.store.session() as s:
        assert not s.scalar(select(func.sum(ContractDecision.booked)).where(ContractDecision.requested_by == "li.wei"))
    app.close()


def test_a_chinese_request_that_escalates_is_told_so_in_chinese(data_dir, scripted):
    app = Tessera(settings_for(data_dir, models=AgentModels(sales="scripted/llm", fallbacks=[])),
                  clock=lambda: FIXED_NOW, seed=False)
    deal = escalating_deal(app.store)
    scripted.enqueue({"tool_calls": [{"name": "request_discount",
                                      "args": {"deal": deal, "percent": 8, "reason": "竞品报价更低",
                                               "promised_on": LATER.isoformat()}}]})
    app.chat("li.wei", "zh", f"给{deal}申请8%的折扣，竞品报价更低")
    paused = app.chat("li.wei", "zh", "确认")
    assert paused.approval is not None
    assert paused.reply.startswith(f"这项折扣申请（{deal}）超出了事业部合同可自行决定的范围，已提交给 zhao.lei 审批")
    assert paused.approval["id"] in paused.reply and "This needs" not in paused.reply
    app.close()
