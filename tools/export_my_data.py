"""Tool: a customer asks for a copy of everything held about them (JSON or a zip of CSVs)."""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.subjects import export_summary
from tools.base import ToolContext, ToolSpec


class ExportMyDataArgs(BaseModel):
    pass


def run(ctx: ToolContext, args: ExportMyDataArgs) -> dict:
    with ctx.store.session() as s:
        return export_summary(s, ctx.actor, ctx.clock())


TOOL = ToolSpec(
    name="export_my_data",
    summary="Prepare a copy of all the customer's data with each value's provenance, and say where to download it.",
    args=ExportMyDataArgs,
    run=run,
    examples=[
        "export my data",
        "send me a copy of my personal data",
        "I want to download everything you have on me",
        "give me my data in a file",
        "导出我的数据",
        "把我的个人数据发我一份",
        "我要下载我的全部资料",
        "给我一份我的数据副本",
    ],
)
