"""Tool: a customer asks to delete their data, all of it or one category ("删除我的购买记录")."""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.subjects import request_erasure
from tools.base import ToolContext, ToolSpec, slot


class EraseMyDataArgs(BaseModel):
    what: str | None = slot("free_text", "what to delete, e.g. 'my purchase history', '全部数据'; empty: everything", None)


def run(ctx: ToolContext, args: EraseMyDataArgs) -> dict:
    with ctx.store.session() as s:
        return request_erasure(s, ctx.actor, what=args.what, now=ctx.clock(), channel="chat")


TOOL = ToolSpec(
    name="erase_my_data",
    summary="Delete the customer's personal data everywhere Tessera keeps it (all of it, or one category such as "
            "purchase history); says what a legal rule requires to keep and which rule.",
    args=EraseMyDataArgs,
    run=run,
    writes=True,
    examples=[
        "delete my data",
        "erase everything you have about me",
        "forget me",
        "remove my purchase history",
        "删除我的购买记录",
        "删除我的全部数据",
        "请忘记我",
        "把我的个人信息删掉",
    ],
)
