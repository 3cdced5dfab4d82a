"""Tool: list the activities logged (calls, meetings, e-mails, notes) by account, by whom, by kind and by period."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from crm.briefing.activity_log import find_activities
from tools.base import ToolContext, ToolSpec, entity, slot
from tools.periods import Period


class FindActivitiesArgs(BaseModel):
    account: str | None = entity("account", "only this account's activities", None)
    owner: str | None = entity("user", "who logged them; 'me' for the caller's own ('my calls', '我打的电话')", None)
    kind: Literal["call", "meeting", "email", "note"] | None = Field(
        None, description="only this kind of activity (a visit is a meeting)")
    period: Period | None = slot("period", "when they took place ('last month', '上周')", None)


def run(ctx: ToolContext, args: FindActivitiesArgs) -> dict:
    period = args.period or Period()
    with ctx.store.session() as s:
        return find_activities(s, ctx.actor, now=ctx.clock(), account=args.account, owner=args.owner, kind=args.kind,
                               start=period.start, end=period.end)


TOOL = ToolSpec(
    name="find_activities",
    summary="List the calls, meetings, visits, e-mails and notes logged in the CRM, newest first: by account, your own "
            "or a colleague's, by kind and by period, within your accounts. Notes about people who did not consent to "
            "sales follow-up come back withheld.",
    args=FindActivitiesArgs,
    run=run,
    examples=[
        "what activities did we log with Acme Robotics last month",
        "show me my calls from this week",
        "list the emails we sent to Globex Logistics",
        "which meetings did I have last week",
        "show the activity history for Initech Retail",
        "我上周和北辰医疗器械都有哪些沟通",
        "看一下我这个月打过的电话",
        "列出海天电子最近的拜访",
        "这周我都做了哪些活动",
    ],
)
