"""Tool: an account's 360-degree summary."""
from __future__ import annotations

from pydantic import BaseModel

from crm.services.accounts import account_summary as summarise
from tools.base import ToolContext, ToolSpec, entity


class AccountSummaryArgs(BaseModel):
    account: str = entity("account", "the account to summarise")


def run(ctx: ToolContext, args: AccountSummaryArgs) -> dict:
    with ctx.store.session() as s:
        return summarise(s, ctx.actor, account=args.account, today=ctx.today)


TOOL = ToolSpec(
    name="account_summary",
    summary="Give a 360-degree summary of one account: owner, open pipeline, revenue, contacts, recent activities, "
            "and what is still open there: open deals, open cases and your open tasks.",
    args=AccountSummaryArgs,
    run=run,
    examples=[
        "give me an overview of Acme Robotics",
        "how is Globex doing",
        "summary of Initech",
        "tell me everything about this customer",
        "360 view of 海天电子",
        "北辰医疗器械的情况怎么样",
        "给我一个华润新材料的客户概况",
        "这个客户最近怎么样",
        "what's still open with Globex Logistics",
        "anything outstanding with this account",
        "北辰医疗器械还有什么事没结",
        "华润新材料还有没解决的工单吗",
    ],
)
