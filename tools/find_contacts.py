"""Tool: the people at an account; personal fields the person's consents do not allow are withheld, with why."""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.contacts import find_contacts as find
from tools.base import ToolContext, ToolSpec, entity


class FindContactsArgs(BaseModel):
    account: str = entity("account", "the account whose contacts to list")


def run(ctx: ToolContext, args: FindContactsArgs) -> dict:
    with ctx.store.session() as s:
        items, about = find(s, ctx.actor, account=args.account, now=ctx.clock())
    result = {"items": items, "total": len(items), "about": {"account": about}}
    withheld = [reason for item in items for reason in item.get("withheld", [])]
    if withheld:  # said at the top so no model can miss it
        result["withheld"] = withheld
    not_for = [f"{item['name']}: {reason}" for item in items for reason in item.get("not_for", [])]
    if not_for:
        result["do_not_propose"] = not_for
    return result


TOOL = ToolSpec(
    name="find_contacts",
    summary="List the contact people at an account, with their title, email and phone. Fields a person has not "
            "consented to for sales follow-up come back withheld with the reason; say so, never guess them.",
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
