"""Tool: a customer asks who has looked at their data: which staff role or user, when, which data, for what purpose."""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.subjects import data_access
from tools.base import ToolContext, ToolSpec, slot


class MyDataAccessArgs(BaseModel):
    what: str | None = slot("free_text", "which of their data, e.g. 'my phone number', '我的邮箱'; none: all of it",
                            None)


def run(ctx: ToolContext, args: MyDataAccessArgs) -> dict:
    with ctx.store.session() as s:
        return data_access(s, ctx.actor, what=args.what)


TOOL = ToolSpec(
    name="my_data_access",
    summary="Show the customer who has read their personal data (all of it or one piece, such as the phone number): "
            "which staff role and person, when, which data and for what purpose, from the privacy audit log.",
    args=MyDataAccessArgs,
    run=run,
    examples=[
        "who has accessed my data",
        "which of your staff viewed my details",
        "has anyone looked up my email address",
        "show me who read my personal information",
        "who has seen my phone number",
        "谁看过我的电话号码",
        "你们公司有谁查看过我的资料",
        "我的数据被谁访问过",
        "有没有人查过我的邮箱",
        "我的个人信息都被谁看过",
        "who is able to view my address",
        "which employees can look at my email",
        "哪些员工能查看我的联系方式",
        "我的电话号码谁都可以看",
    ],
)
