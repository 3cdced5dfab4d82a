"""Tool: a customer gives a consent (a new record with the wording shown; a receipt is kept)."""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.subjects import change_consent, consent_plan
from tools.base import ToolContext, ToolSpec, slot


class GrantConsentArgs(BaseModel):
    what: str = slot("free_text", "which use (and optionally which data), e.g. 'marketing emails', "
                                 "'newsletters', '推广短信', '销售跟进'")


def run(ctx: ToolContext, args: GrantConsentArgs) -> dict:
    with ctx.store.session() as s:
        return change_consent(s, ctx.actor, granted=True, text=args.what, now=ctx.clock(), channel="chat")


def plan(ctx: ToolContext, args: GrantConsentArgs) -> dict:
    with ctx.store.session() as s:
        return consent_plan(s, ctx.actor, granted=True, text=args.what)


TOOL = ToolSpec(
    name="grant_consent",
    summary="Record the customer's consent for one use of their data (sales follow-up, marketing, analytics, "
            "AI training, sharing); a consent receipt is produced.",
    args=GrantConsentArgs,
    run=run,
    writes=True,
    confirm=plan,
    examples=[
        "you may send me marketing emails again",
        "I agree to sales follow-up",
        "subscribe me to the newsletter",
        "I allow you to use my data for analytics",
        "我同意接收营销信息",
        "可以联系我做销售跟进",
        "订阅你们的推广邮件",
        "允许你们用我的数据做统计分析",
        "you can phone me about new products again",
        "以后有优惠活动可以打电话告诉我",
        "我同意你们用我的数据训练模型",
    ],
)
