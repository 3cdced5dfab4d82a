"""Tool: search deals by account, stage, owner, period or size."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from crm.scoring.service import shown_score
from crm.services.deals import find_deals as find
from tools.base import ToolContext, ToolSpec, entity, slot
from tools.periods import Period

Stage = Literal["lead", "qualified", "proposal", "negotiation", "won", "lost"]
Order = Literal["amount", "win_probability", "close_date"]
WIN_ORDER_POOL = 500  # ordered by win probability: the matches scored before the list is cut


class FindDealsArgs(BaseModel):
    account: str | None = entity("account", "the account whose deals to list", None)
    stage: Stage | None = Field(None, description="pipeline stage")
    period: Period | None = slot("period", "when the deals close: open deals expected to close in it, or, with stage "
                                           "won or lost, the deals closed in it", None)
    owner: str | None = entity("user", "the rep who owns the deals; 'me' for the caller's own deals", None)
    min_amount: float | None = slot("amount", "smallest deal amount", None)
    open: bool | None = slot("open_deals", "only open deals, not yet won or lost ('still open', '没成交的')", None)
    unit: str | None = entity("unit", "one sales unit's deals (its code, e.g. east-smb), or 'mine' for the asker's "
                                      "team ('my team's deals', '我们组的商机': a manager's region, a rep's unit)", None)
    deal: str | None = slot("deal_id", "one deal by its id, e.g. D-1042 ('what's the close date of D-1042?')", None)
    idle_days: int | None = slot("idle_days", "only open deals with no activity for at least this many days "
                                              "('no activity in the last three weeks': 21)", None, ge=1, le=3650)
    slipped: bool | None = slot("slipped", "only open deals whose expected close date has passed ('deals that "
                                           "slipped', 'past their close date', '过了预计成交日期还没成交')", None)
    order_by: Order | None = slot("list_order", "the order of the list: amount (biggest first, 'my biggest "
                                   "open deals'), win_probability (likeliest to be won first, 'which deal will most "
                                   "likely sign this month'), close_date (soonest expected close first); default: "
                                   "latest expected close first", None)
    limit: int | None = slot("list_count", "how many deals to list, when a number is asked for ('my top 3 deals', "
                                           "'金额最大的三个商机'); default: up to 50", None, ge=1, le=50)


def run(ctx: ToolContext, args: FindDealsArgs) -> dict:
    period = args.period or Period()
    by_win = args.order_by == "win_probability"  # scored here, not in the store: the matches are ordered after
    shown = min(args.limit or LIMIT, LIMIT)  # "my three biggest deals": the first three of the list
    with ctx.store.session() as s:
        items, total, about = find(s, ctx.actor, account=args.account, stage=args.stage, start=period.start,
                                   end=period.end, owner=args.owner, min_amount=args.min_amount,
                                   idle_days=args.idle_days, today=ctx.today, open_only=bool(args.open),
                                   deal=args.deal, unit=args.unit, order_by=None if by_win else args.order_by,
                                   limit=WIN_ORDER_POOL if by_win else shown, slipped=bool(args.slipped))
        amount_total = about.pop("amount_total", None)  # over every match: "how much are my open deals worth"
        scores = {}
        if ctx.scores is not None:  # open deals carry their win probability
            scores = ctx.scores.scores(s, [int(i["deal"][2:]) for i in items], ctx.today, explain=False)
            items = [{**i, "win": shown_score(scores.get(int(i["deal"][2:])))} if i["closed_on"] is None else i
                     for i in items]
    if by_win:  # the likeliest first; closed deals and unscored ones last
        about["order_by"] = args.order_by
        items = sorted(items, key=lambda i: -_chance(scores.get(int(i["deal"][2:])), i))[:shown]
    if args.limit is not None:  # said with the list: how many match, and that the first `limit` are listed
        about["limit"] = args.limit
    return {"items": items, "total": total, "about": about, "amount_total": amount_total}


LIMIT = 50  # deals listed


def _chance(score, item: dict) -> float:
    """An open deal's win probability for ordering (-1 for a closed or unscored deal, listed after the rest)."""
    if item["closed_on"] is not None or score is None:
        return -1.0
    return float(score["win_probability"])


TOOL = ToolSpec(
    name="find_deals",
    summary="List deals (opportunities) filtered by account, stage, owner, expected-close period, amount or how long "
            "they have gone without activity.",
    args=FindDealsArgs,
    run=run,
    examples=[
        "show me the deals with Acme",
        "what deals are in negotiation",
        "list open opportunities closing this quarter",
        "deals over 500k closing next month",
        "which deals did we win last quarter",
        "看一下北辰的商机",
        "谈判阶段的商机有哪些",
        "上季度赢单的项目",
        "金额超过10万的商机",
        "王芳负责的商机",
        "which deals have had no activity for 30 days",
        "两周没有跟进的商机",
        "anything in my pipeline over 300k?",
        "我手上有哪些在跟的单子",
        "what's the expected close date of D-88?",
        "D-88预计什么时候成交？",
        "本月有哪些商机要到期",
        "my biggest open deals",
        "which of my deals is most likely to close this month",
        "我手上的单子按金额从大到小排",
        "哪个单子最有希望这个月签下来",
    ],
)
