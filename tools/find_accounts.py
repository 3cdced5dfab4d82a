"""Tool: search the accounts the user may see."""
from __future__ import annotations

from pydantic import BaseModel, Field

from crm.services.accounts import find_accounts as find
from tools.base import ToolContext, ToolSpec, entity


class FindAccountsArgs(BaseModel):
    query: str | None = entity("account", "part of the account's name", None)
    region: str | None = Field(None, description="region code", json_schema_extra={"enum": ["east", "north", "south"]})
    industry: str | None = Field(None, description="industry, e.g. manufacturing, retail, medical devices")


def run(ctx: ToolContext, args: FindAccountsArgs) -> dict:
    with ctx.store.session() as s:
        items, total = find(s, ctx.actor, query=args.query, region=args.region, industry=args.industry)
    return {"items": items, "total": total, "about": {"name": args.query, "region": args.region, "industry": args.industry}}


TOOL = ToolSpec(
    name="find_accounts",
    summary="Search customer accounts by name, region or industry.",
    args=FindAccountsArgs,
    run=run,
    examples=[
        "find accounts in the east region",
        "list my accounts",
        "which customers do we have in retail",
        "search for the account Globex",
        "华东区有哪些客户",
        "查一下制造业的客户",
        "列出我的客户",
        "找一下名字里有电子的客户",
    ],
)
