"""Tool: a customer withdraws a consent (a new record; the earlier ones stay as history)."""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.subjects import change_consent, consent_plan
from tools.base import ToolContext, ToolSpec, slot


class RevokeConsentArgs(BaseModel):
    what: str = slot("free_text", "which use (and optionally which data), e.g. 'marketing emails', "
                                 "'newsletters', '推广短信', '销售跟进'")


def run(ctx: ToolContext, args: RevokeConsentArgs) -> dict:
    with ctx.store.session() as s:
        return change_consent(s, ctx.actor, granted=False, text=args.what, now=ctx.clock(), channel="chat")


def plan(ctx: ToolContext, args: RevokeConsentArgs) -> dict:
    with ctx.store.session() as s:
        return consent_plan(s, ctx.actor, granted=False, text=args.what)


TOOL = ToolSpec(
    name="revoke_consent",
    summary="Withdraw the customer's consent for one use of their data (sales follow-up, marketing, analytics, "
            "AI training, sharing). Applies from the next request on; a receipt is kept.",
    args=RevokeConsentArgs,
    run=run,
    writes=True,
    confirm=plan,
    examples=[
        "stop using my data for marketing",
        "I withdraw my consent for sales follow-up",
        "unsubscribe me from the newsletter",
        "do not use my phone number for sales calls",
        "撤回我对营销信息的同意",
        "不要再用我的电话做销售跟进",
        "取消订阅推广信息",
        "我不同意你们用我的数据训练模型",
        "I don't want you analysing my purchases",
        "no more promotional messages, please",
        "我不想再收到你们的推广短信",
    ],
)
