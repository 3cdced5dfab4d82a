"""Tool: the daily brief, ranked: who to call first and why."""
from __future__ import annotations

from pydantic import BaseModel

from crm.briefing.daily import daily_brief
from tools.base import ToolContext, ToolSpec


class DailyBriefArgs(BaseModel):
    """No arguments: the acting rep's day."""


def run(ctx: ToolContext, args: DailyBriefArgs) -> dict:
    lang = ctx.actor.language
    with ctx.store.session() as s:
        scorer = (lambda ids: ctx.scores.scores(s, ids, ctx.today, lang=lang, explain=False)) \
            if ctx.scores is not None else None
        return daily_brief(s, ctx.actor, now=ctx.clock(), scorer=scorer, lang=lang)


TOOL = ToolSpec(
    name="daily_brief",
    summary="Your day, ranked: overdue tasks, deals slipping or gone quiet, likely wins closing soon, cases "
            "waiting on your accounts and consents about to expire: who to call first and why.",
    args=DailyBriefArgs,
    run=run,
    examples=[
        "who should I call first today",
        "what should I focus on today",
        "give me my daily brief",
        "what needs my attention this morning",
        "今天我应该先给谁打电话？",
        "今天的工作重点是什么",
        "给我今天的简报",
        "今天先处理哪些事",
    ],
)
