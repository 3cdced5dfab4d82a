"""Tool: open a service case or complaint from free text."""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.cases import open_case as open_
from tools.base import ToolContext, ToolSpec, entity, slot


class OpenCaseArgs(BaseModel):
    text: str = slot("free_text", "the customer's problem in their own words")
    account: str | None = entity("account", "the customer's account (reps must name it)", None)


def run(ctx: ToolContext, args: OpenCaseArgs) -> dict:
    with ctx.store.session() as s:
        return open_(s, ctx.actor, text=args.text, account=args.account, now=ctx.clock())


TOOL = ToolSpec(
    name="open_case",
    summary="Open a service case or complaint from the customer's own words; it is classified by category and priority.",
    args=OpenCaseArgs,
    run=run,
    writes=True,
    examples=[
        "Acme complains their delivery is two weeks late",
        "open a ticket: Globex's gateway stopped working",
        "the customer was overcharged on the last invoice",
        "I want to complain, the product broke again",
        "海天电子投诉发货延迟",
        "北辰的设备坏了，开个工单",
        "客户说发票金额不对",
        "我要投诉，设备又出故障了",
        "we need a technician on site to install the new equipment",
        "the shipment still hasn't arrived and it's holding up production",
        "需要派人上门安装调试",
        "货到现在还没到，耽误生产了",
        "the devices you delivered won't power on",
        "our label printer overheats and shuts down every hour",
        "你们送来的机器老是卡住，用不了",
    ],
)
