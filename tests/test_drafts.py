"""Follow-up drafts: grounded in the store, in the contact's language, refused with the reason when consent rules
the message out, never sent and never written."""
from __future__ import annotations

from sqlalchemy import func, select

from crm.models import Activity, Contact, Deal
from crm.privacy.consents import record_consent
from crm.tasks.models import Task
from tests.conftest import FIXED_NOW
from tessera.runtime import Tessera
from tools.base import ToolContext
from tools.registry import ALL


def call(tessera: Tessera, login: str, **args) -> dict:
    ctx = ToolContext(store=tessera.store, actor=tessera.actor(login), clock=lambda: FIXED_NOW)
    return ALL["draft_followup"].invoke(ctx, args)


def counts(tessera: Tessera) -> tuple:
    with tessera.store.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Activity, Task))


def test_a_follow_up_draft_names_the_deal_and_the_last_conversation_and_is_not_sent(tessera):
    before = counts(tessera)
    turn = tessera.chat("li.wei", "t", "draft a follow-up email to Mark Taylor about the CRM Suite proposal")
    assert [c["name"] for c in turn.tool_calls] == ["draft_followup"]
    draft = call(tessera, "li.wei", contact="Mark Taylor", deal="CRM Suite")["record"]
    with tessera.store.session() as s:
        mark = s.scalar(select(Contact).where(Contact.full_name == "Mark Taylor", Contact.id == 1))
        deal = s.scalar(select(Deal).where(Deal.account_id == mark.account_id, Deal.title.like("%CRM Suite%")))
        last = s.scalar(select(Activity).where(Activity.contact_id == mark.id).order_by(Activity.occurred_at.desc()))
        product = deal.product.name
    assert draft["language"] == "en" and draft["to"] == "Mark Taylor" and draft["email"] == mark.email
    assert product in draft["subject"] and product in draft["body"]
    assert f"D-{deal.id}" in draft["grounded_on"][0] and f"A-{last.id}" in draft["grounded_on"][1]
    assert "not sent" in draft["status"] and "Dear Mark Taylor" in draft["body"]
    assert counts(tessera) == before  # a draft writes nothing and sends nothing


def test_a_chinese_speaking_contact_gets_a_chinese_draft(tessera):
    draft = call(tessera, "li.wei", contact="陈静")["record"]
    assert draft["language"] == "zh" and draft["body"].startswith("陈静您好") and "此致" in draft["body"]


def test_no_marketing_draft_for_someone_who_withdrew_and_the_reason_is_given(tessera):
    with tessera.store.session() as s:
        mark = s.get(Contact, 1)
        record_consent(s, contact_id=mark.id, category="user.contact", purpose="marketing", granted=False,
                       channel="email", by="li.wei", now=FIXED_NOW.replace(hour=8))
    refused = call(tessera, "li.wei", contact="Mark Taylor", purpose="marketing")
    assert not refused["ok"] and "no marketing draft" in refused["error"] and "Mark Taylor" in refused["error"]
    assert "revoked" in refused["error"] or "refused" in refused["error"] or "no consent" in refused["error"]
    assert "a follow-up message is allowed" in refused["error"]
    assert call(tessera, "li.wei", contact="Mark Taylor")["ok"]  # a sales follow-up is still fine


def test_a_rep_cannot_draft_to_another_units_contact(tessera):
    other = call(tessera, "wang.fang", contact="周婷")
    assert not other["ok"] and "among the accounts you can see" in other["error"]
