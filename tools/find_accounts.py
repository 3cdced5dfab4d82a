"""Tool: search the accounts the user may see."""
from __future__ import annotations

from pydantic import BaseModel, Field

from crm.services.accounts import find_accounts as find
from tools.base import ToolContext, ToolSpec, entity, slot


class FindAccountsArgs(BaseModel):
    query: str | None = entity("account", "part of the account's name", None)
    region: str | None = Field(None, description="region code", json_schema_extra={"enum": ["east", "north", "south"]})
    industry: str | None = Field(None, description="industry, e.g. manufacturing, retail, medical devices")
    owner: str | None = slot("own_accounts", "the rep who owns the accounts (login or name); 'me' for the caller's own "
                             "accounts", None)
    idle_days: int | None = slot("idle_days", "only the accounts where nothing was logged for at least this many days "
                                              "('haven't talked to in a month': 30), the longest untouched first",
                                 None, ge=1, le=3650)


def run(ctx: ToolContext, args: FindAccountsArgs) -> dict:
    with ctx.store.session() as s:
        items, total, about = find(s, ctx.actor, query=args.query, region=args.region, industry=args.industry,
                                   owner=args.owner, idle_days=args.idle_days, today=ctx.clock().date())
    return {"items": items, "total": total, "about": about}


TOOL = ToolSpec(
    name="find_accounts",
    summary="Search customer accounts by name, region, industry or owner ('my accounts'), optionally only those "
            "nobody has called, met or e-mailed for N days, with when each was last touched.",
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
        "which of my accounts has nobody contacted in two months",
        "我有哪些客户一个多月没联系了",
    ],
)
