"""Tool: the open deals most at risk, each with its reasons (slipped close date, no activity, high discount, late
payments of the account, low win chance)."""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from crm.metrics import caller_of
from crm.outlook import deals_at_risk
from crm.outlook.deal_risk import QUIET_DAYS
from tools.base import ToolContext, ToolSpec, slot


class DealsAtRiskArgs(BaseModel):
    limit: int = slot("integer", "how many deals to show, riskiest first", 5, ge=1, le=50)
    quiet_days: int = Field(QUIET_DAYS, ge=1, le=365, description="days without activity that count as a signal")
    mine: bool = Field(False, description="only the asker's own deals")
    deal: str | None = slot("deal_id", "one deal by its id, e.g. D-1680: why that deal is at risk ('why is the first "
                                       "one at risk?' after a list)", None)
    language: Literal["en", "zh"] | None = Field(None, description="the language of the question; default the user's")


def run(ctx: ToolContext, args: DealsAtRiskArgs) -> dict:
    lang = args.language or (ctx.actor.language if ctx.actor.language in ("en", "zh") else "en")
    with ctx.store.session() as s:
        caller = caller_of(s, ctx.actor)

        def scores(ids: list[int]) -> dict[int, float]:
            found = ctx.scores.scores(s, ids, ctx.today, lang=lang, explain=False)
            return {deal_id: v["win_probability"] for deal_id, v in found.items()}

        report = deals_at_risk(s, caller, ctx.today, limit=args.limit, quiet_days=args.quiet_days,
                               owner_id=ctx.actor.user_id if args.mine else None,
                               scores=scores if ctx.scores is not None else None,  # no model: ranked in SQL alone
                               deal_id=_deal_number(args.deal))
    method = report.method(lang)
    return {"about": report.sentence(lang), "items": report.table(lang), "total": len(report.deals),
            "how": {"method": method, "open_deals": report.open_deals, "flagged": report.flagged,
                    "scope": report.scope},
            ("计算方法" if lang == "zh" else "how it was computed"): method}


def _deal_number(deal: str | None) -> int | None:
    if not deal:
        return None
    m = re.fullmatch(r"\s*(?:D-?)?(\d+)\s*", deal, re.I)
    if m is None:
        raise ValueError(f"{deal!r} is not a deal id like D-1680")
    return int(m.group(1))


TOOL = ToolSpec(
    name="deals_at_risk",
    summary="List the open deals most at risk, riskiest first, each with its reasons in words and numbers: expected "
            "close date passed, no activity for weeks, discount above the unit's norm, the account paying late, a low "
            "win chance.",
    args=DealsAtRiskArgs,
    run=run,
    examples=[
        "top 5 open deals at risk",
        "which deals are at risk",
        "which of my deals are in trouble",
        "show me the riskiest deals in the pipeline",
        "deals we might lose and why",
        "哪些商机有风险",
        "风险最高的五个商机",
        "我的哪些单子可能要丢",
        "有丢单风险的商机有哪些",
        "哪些商机需要重点关注",
    ],
)
