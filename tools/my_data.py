"""Tool: a customer asks what Tessera holds about them (per category, with sources and purposes)."""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.subjects import data_held_about
from tools.base import ToolContext, ToolSpec, slot


class MyDataArgs(BaseModel):
    what: str | None = slot("free_text", "which of their data, e.g. 'notes' for what staff recorded about them, "
                            "'我的沟通记录'; none: all of it", None)


def run(ctx: ToolContext, args: MyDataArgs) -> dict:
    with ctx.store.session() as s:
        return data_held_about(s, ctx.actor, ctx.clock(), what=args.what)


TOOL = ToolSpec(
    name="my_data",
    summary="Show the customer what personal data Tessera holds about them, by category, with where each value "
            "came from and what it may be used for.",
    args=MyDataArgs,
    run=run,
    examples=[
        "what do you know about me",
        "what data do you hold about me",
        "show me my personal information",
        "which records do you have on me",
        "你们有我哪些数据",
        "我的个人信息有哪些",
        "你们知道我什么",
        "查看我的资料",
        "你们存了我哪些联系方式",
        "which personal details do you store",
        "is my address in your records",
        "我在你们系统里留了哪些信息",
        "what details of mine do you have on file",
        "你们档案里登记了我哪些资料",
        "do you have my mobile number on record",
    ],
)
