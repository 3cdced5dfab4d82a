"""Tool: what we last discussed with an account or a contact: the latest notes and cases, with their passages."""
from __future__ import annotations

from pydantic import BaseModel

from crm.briefing.recall import last_discussed
from tools.base import ToolContext, ToolSpec, entity


class LastDiscussedArgs(BaseModel):
    account: str | None = entity("account", "the account", None)
    contact: str | None = entity("contact", "one person there", None)


def run(ctx: ToolContext, args: LastDiscussedArgs) -> dict:
    with ctx.store.session() as s:
        return last_discussed(s, ctx.actor, now=ctx.clock(), account=args.account, contact=args.contact)


TOOL = ToolSpec(
    name="last_discussed",
    summary="What we last discussed with an account or a person: the latest call, meeting and e-mail notes and "
            "cases, newest first, with what was said and a link to each.",
    args=LastDiscussedArgs,
    run=run,
    examples=[
        "what did we last discuss with Acme Robotics",
        "when did we last talk to Mark Taylor and what about",
        "what was our last conversation with Globex Logistics about",
        "上次和北辰医疗器械聊了什么？",
        "我们最近一次和陈静沟通的内容是什么",
        "上回跟华信谈了些什么",
    ],
)
