"""Tool: a customer corrects a piece of their data; the old value is kept in the history."""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.subjects import correct_my_data, correction_plan
from tools.base import ToolContext, ToolSpec, slot


class CorrectMyDataArgs(BaseModel):
    correction: str = slot("free_text", "the field and its right value, e.g. 'my phone number is +86 139 0000 0000', "
                                       "'我的邮箱是 new@example.cn'")


def run(ctx: ToolContext, args: CorrectMyDataArgs) -> dict:
    with ctx.store.session() as s:
        return correct_my_data(s, ctx.actor, correction=args.correction, now=ctx.clock())


def describe(ctx: ToolContext, args: CorrectMyDataArgs) -> dict:
    with ctx.store.session() as s:
        return correction_plan(s, ctx.actor, correction=args.correction)


TOOL = ToolSpec(
    name="correct_my_data",
    summary="Correct the customer's personal data (name, title, email, phone, city); the previous value is kept.",
    args=CorrectMyDataArgs,
    run=run,
    writes=True,
    describe=describe,
    examples=[
        "my phone number is wrong, it should be +86 139 0000 0000",
        "update my email to new@example.com",
        "correct my job title: purchasing director",
        "my name is misspelled",
        "我的电话号码改为13900000000",
        "更正我的邮箱：new@example.cn",
        "我的职位应该是采购总监",
        "我的邮箱写错了，请改正",
    ],
)
