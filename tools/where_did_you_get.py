"""Tool: a customer asks where a piece of their data came from (source, time, purpose, sharing)."""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.subjects import where_from
from tools.base import ToolContext, ToolSpec, slot


class WhereDidYouGetArgs(BaseModel):
    what: str = slot("free_text", "which piece of their data, e.g. 'my phone number', '我的邮箱'")


def run(ctx: ToolContext, args: WhereDidYouGetArgs) -> dict:
    with ctx.store.session() as s:
        return where_from(s, ctx.actor, what=args.what, now=ctx.clock())


TOOL = ToolSpec(
    name="where_did_you_get",
    summary="Tell the customer where a piece of their personal data came from: channel, system, date, the purpose "
            "it was collected for and whom it was shared with; asked of no one field, the same for each, led by "
            "every party their data was shared with.",
    args=WhereDidYouGetArgs,
    run=run,
    examples=[
        "where did you get my phone number",
        "how did you obtain my email address",
        "which source did my details come from",
        "what is the source of my contact details",
        "你们从哪里得到我的电话号码",
        "我的邮箱是怎么来的",
        "你们是通过什么渠道拿到我的资料的",
        "我的信息来源是什么",
        "how do you know my home address",
        "你们怎么会知道我的手机号",
        "have you shared my email with any other company",
        "我的电话有没有共享给别的公司",
        "which third parties received my information",
        "你们把我的资料共享给了谁",
    ],
)
