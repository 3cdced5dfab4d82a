"""Tool: the people at an account; personal fields the person's consents do not allow are withheld, with why."""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.contacts import find_contacts as find
from tools.base import ToolContext, ToolSpec, entity, slot


class FindContactsArgs(BaseModel):
    account: str = entity("account", "the account whose contacts to list")
    idle_days: int | None = slot("idle_days", "only the people nobody has called, met or e-mailed for at least this "
                                              "many days ('haven't talked to in a month': 30)", None, ge=1, le=3650)


def run(ctx: ToolContext, args: FindContactsArgs) -> dict:
    with ctx.store.session() as s:
        items, about = find(s, ctx.actor, account=args.account, now=ctx.clock(), idle_days=args.idle_days)
    result = {"items": items, "total": len(items), "about": {"account": about}}
    if args.idle_days is not None:
        result["about"]["idle_days"] = args.idle_days
    withheld = [reason for item in items for reason in item.get("withheld", [])]
    if withheld:  # said at the top so no model can miss it
        result["withheld"] = withheld
    not_for = [f"{item['name']}: {reason}" for item in items for reason in item.get("not_for", [])]
    if not_for:
        result["do_not_propose"] = not_for
    return result


TOOL = ToolSpec(
    name="find_contacts",
    summary="List the contact people at an account, with their title, email, phone and when we were last in touch "
            "(optionally only those nobody has contacted for N days). Fields a person has not "
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
        "who at Globex haven't we spoken to in two weeks",
        "华润新材料哪些联系人一个月没联系了",
    ],
)
