"""Tool: a customer sees what they have agreed to and refused, per category and use."""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.subjects import my_consents
from tools.base import ToolContext, ToolSpec, slot


class MyConsentsArgs(BaseModel):
    what: str | None = slot("free_text", "one piece of their data asked about, e.g. 'my phone number', '我的邮箱'; "
                                         "none: every consent", None)


def run(ctx: ToolContext, args: MyConsentsArgs) -> dict:
    with ctx.store.session() as s:
        return my_consents(s, ctx.actor, ctx.clock(), what=args.what)


TOOL = ToolSpec(
    name="my_consents",
    summary="List the customer's consents: for each data category and use, granted or refused, since when, "
            "via which channel, until when, and the receipt id; asked about one piece of their data (what is my phone "
            "number used for), what that piece is used for and on which ground leads.",
    args=MyConsentsArgs,
    run=run,
    examples=[
        "what have I agreed to",
        "show my consents",
        "which permissions did I give you",
        "what am I opted in to",
        "我同意过哪些授权",
        "查看我的授权",
        "我给了你们哪些许可",
        "我的同意记录",
        "is my data used to train AI?",
        "do you use my details for marketing?",
        "我的信息会被用来做营销吗",
        "你们会拿我的数据做分析吗",
        "did I ever say yes to phone calls",
        "what do you use my information for",
        "have I signed up for your newsletter",
        "我有没有同意过你们联系我",
        "你们拿我的信息做什么用",
        "what is my email address used for",
        "我的手机号被用来干什么",
    ],
)
