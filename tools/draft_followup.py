"""Tool: draft a follow-up (or marketing) e-mail to a contact, grounded in the store; checked against consent;
never sent."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from crm.briefing.drafts import draft_followup
from tools.base import ToolContext, ToolSpec, entity, slot


class DraftFollowupArgs(BaseModel):
    contact: str | None = entity("contact", "the person the e-mail is for", None)
    deal: str | None = Field(None, description="the deal it is about, by id (D-2056) or words of its title "
                                               "(default: their open deal the words name, else the most recently "
                                               "active one)")
    about: str | None = slot("free_text", "what it is about, e.g. 'the CRM Suite proposal'", None)
    purpose: Literal["follow_up", "marketing"] = Field(
        "follow_up", description="follow_up (about their deal) or marketing (an invitation, news)")


def run(ctx: ToolContext, args: DraftFollowupArgs) -> dict:
    with ctx.store.session() as s:
        return draft_followup(s, ctx.actor, now=ctx.clock(), contact=args.contact, deal=args.deal,
                              about=args.about, purpose=args.purpose, writer=ctx.writer)


TOOL = ToolSpec(
    name="draft_followup",
    summary="Draft a follow-up e-mail to a contact in their language, from what the store knows (their open deal, "
            "the last conversation); refused, with the reason, when their consent rules the message out. The draft "
            "is shown, never sent.",
    args=DraftFollowupArgs,
    run=run,
    examples=[
        "draft a follow-up to Mark Taylor about his open deal",
        "draft a follow-up to Globex Logistics after our call",
        "can you draft a reply to Sarah Lee",
        "draft a marketing email inviting Mark Taylor to our customer day",
        "帮我起草一封给陈静的跟进邮件",
        "替我起草给刘强的跟进信",
        "帮我拟一封跟进星河科技的邮件草稿",
        "起草一封营销邮件邀请王总参加客户日",
    ],
)
