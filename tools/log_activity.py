"""Tool: log a call, meeting, email or note against an account."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from crm.services.activities import log_activity as log
from tools.base import ToolContext, ToolSpec, entity, slot


class LogActivityArgs(BaseModel):
    account: str = entity("account", "the account the activity was with")
    kind: Literal["call", "meeting", "email", "note"] = Field("note", description="what kind of activity")
    subject: str = slot("free_text", "what the activity was about, in a few words")
    contact: str | None = entity("contact", "the contact person involved", None)
    day: dt.date | None = slot("date", "the day it took place, when not today ('yesterday', '昨天', '前天'); default: "
                                       "now", None)


def run(ctx: ToolContext, args: LogActivityArgs) -> dict:
    now = ctx.clock()
    if args.day is not None and args.day > now.date():
        raise ValueError(f"{args.day.isoformat()} is still ahead: log the {args.kind} once it has taken place, or set "
                         "a reminder for it (create_task)")
    when = now if args.day in (None, now.date()) else dt.datetime.combine(args.day, now.time())  # "yesterday": that day
    with ctx.store.session() as s:
        return log(s, ctx.actor, account=args.account, kind=args.kind, subject=args.subject, body=args.subject,
                   contact=args.contact, when=when)


TOOL = ToolSpec(
    name="log_activity",
    summary="Record a call, meeting, email or note with an account in the CRM.",
    args=LogActivityArgs,
    run=run,
    writes=True,
    examples=[
        "log a call with Acme about the renewal",
        "I just met Globex to discuss pricing, note it",
        "record a meeting with Initech: demo went well",
        "add a note to Acme: they want a discount",
        "记录一下今天给北辰打了电话，讨论续约",
        "拜访了海天电子，聊了新项目",
        "给华润新材料加个备注：下周报价",
        "记一下和客户开了个会",
        "met their CTO this morning, they want a pilot",
        "记个电话：客户想下个月看演示",
        "给客户发了邮件，附上了报价单",
    ],
)
