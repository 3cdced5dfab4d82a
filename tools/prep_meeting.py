"""Tool: the meeting prep card for an account (reads only: asking for it logs nothing)."""
from __future__ import annotations

from pydantic import BaseModel

from crm.briefing.prep import prep_card
from tools.base import ToolContext, ToolSpec, entity


class PrepMeetingArgs(BaseModel):
    account: str = entity("account", "the account you are meeting")


def run(ctx: ToolContext, args: PrepMeetingArgs) -> dict:
    lang = ctx.actor.language
    with ctx.store.session() as s:
        scorer = (lambda ids: ctx.scores.scores(s, ids, ctx.today, lang=lang)) if ctx.scores is not None else None
        return prep_card(s, ctx.actor, account=args.account, now=ctx.clock(), scorer=scorer, lang=lang)


TOOL = ToolSpec(
    name="prep_meeting",
    summary="Prepare me for a meeting with an account: who we meet and what their consent allows, open deals with "
            "win chances and risks, what was said and promised lately, open cases, late payments, competitors, and "
            "three talking points. Reads only; nothing is logged.",
    args=PrepMeetingArgs,
    run=run,
    examples=[
        "prep me for my meeting with Acme Robotics tomorrow",
        "brief me before my meeting with Globex Logistics",
        "what should I know before visiting Initech Retail",
        "get me ready for the customer meeting with Contoso Materials",
        "明天要见北辰医疗器械，会前要准备什么",
        "拜访华信之前我需要知道什么",
        "下周去拜访客户，会前帮我准备要点",
        "见客户星河科技之前给我一份会前简报",
    ],
)
