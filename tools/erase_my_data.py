"""Tool: a customer asks to erase their data, all of it or one category ("删除我的购买记录").

Plan, confirm, act: `confirm` shows what would be erased, where and how many, and what is kept under which
rule; the request is queued only after an explicit yes and carried out once the turn has ended. A request
that does not say what to erase is answered with a question, never read as "everything".
"""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.subjects import erasure_plan, request_erasure
from tools.base import ToolContext, ToolSpec, slot


class EraseMyDataArgs(BaseModel):
    what: str = slot("free_text", "what to erase in the customer's words: 'everything' / '全部数据', or one kind "
                                  "such as 'my purchase history', '我的电话'")


def plan(ctx: ToolContext, args: EraseMyDataArgs) -> dict:
    targets = ctx.erasures.eraser.targets if ctx.erasures is not None else ()
    with ctx.store.session() as s:
        try:
            return erasure_plan(s, ctx.actor, what=args.what, targets=targets)
        finally:
            s.rollback()  # the plan writes nothing


def run(ctx: ToolContext, args: EraseMyDataArgs) -> dict:
    with ctx.store.session() as s:
        result = request_erasure(s, ctx.actor, what=args.what, now=ctx.clock(), channel="chat")
    if ctx.erasures is not None:
        ctx.erasures.wake()
    return result


TOOL = ToolSpec(
    name="erase_my_data",
    summary="Erase the customer's personal data everywhere Tessera keeps it (all of it, or one category such as "
            "purchase history), after showing the plan and getting an explicit yes; says what a legal rule "
            "requires to keep and which rule.",
    args=EraseMyDataArgs,
    run=run,
    writes=True,
    confirm=plan,
    examples=[
        "delete my data",
        "erase everything you have about me",
        "forget me",
        "remove my purchase history",
        "删除我的购买记录",
        "删除我的全部数据",
        "请忘记我",
        "把我的个人信息删掉",
        "wipe my personal information from your systems",
        "清除我留在你们这里的所有资料",
        "take my home address off your records",
    ],
)
