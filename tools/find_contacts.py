"""Tool: the people at an account."""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.contacts import find_contacts as find
from tools.base import ToolContext, ToolSpec, entity


class FindContactsArgs(BaseModel):
    account: str = entity("account", "the account whose contacts to list")


def run(ctx: ToolContext, args: FindContactsArgs) -> dict:
    with ctx.store.session() as s:
        items, about = find(s, ctx.actor, account=args.account)
    return {"items": items, "total": len(items), "about": about}


TOOL = ToolSpec(
    name="find_contacts",
    summary="List the contact people at an account, with their title, email and phone.",
    args=FindContactsArgs,
    run=run,
    examples=[
        "who are the contacts at Acme",
        "give me the phone number of our contact at Globex",
        "who should I call at Initech",
        "contacts for this account",
        "北辰的联系人是谁",
        "海天电子的对接人电话",
        "我该联系华润新材料的哪位",
        "列出这个客户的联系人",
    ],
)
