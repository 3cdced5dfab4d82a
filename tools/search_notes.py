"""Tool: who mentioned what: notes and cases found by meaning (vector memory), as passages with links, each passing
the PDP."""
from __future__ import annotations

from pydantic import BaseModel

from crm.briefing.recall import mentioned
from crm.services.lookup import resolve_account
from crm.services.scope import require_staff, visible_unit_ids
from tools.base import ToolContext, ToolSpec, entity, slot


class SearchNotesArgs(BaseModel):
    query: str = slot("free_text", "what the notes should be about, e.g. 'discount request', '交货延迟'")
    account: str | None = entity("account", "only this account's notes", None)


def run(ctx: ToolContext, args: SearchNotesArgs) -> dict:
    require_staff(ctx.actor, "search notes")
    if ctx.notes is None:
        raise ValueError("note search is not available here (no vector memory is configured)")
    with ctx.store.session() as s:
        account_id = resolve_account(s, ctx.actor, args.account).id if args.account else None
    ctx.notes.index_recent(account_id=account_id)  # a note logged a moment ago is found; the rest in the background
    hits = ctx.notes.search(args.query, unit_ids=visible_unit_ids(ctx.actor), account_id=account_id)
    with ctx.store.session() as s:
        return mentioned(s, ctx.actor, hits, now=ctx.clock(), about=args.query)


TOOL = ToolSpec(
    name="search_notes",
    summary="Who mentioned what: search the notes of calls, meetings and cases by meaning (not exact words) within "
            "your accounts; each passage comes with its link, date, account and person. Notes about people who did "
            "not consent to sales follow-up come back withheld, and so does any phone, "
            "e-mail or name inside a note whose person did not consent.",
    args=SearchNotesArgs,
    run=run,
    examples=[
        "find notes where a customer mentioned a discount",
        "search our call notes for delivery problems",
        "which conversations talked about the renewal",
        "any notes about pricing complaints at Acme",
        "who brought up installation delays",
        "did anyone say the shipment arrived damaged",
        "搜一下提到折扣的沟通记录",
        "查找关于交货延迟的备注",
        "哪些拜访记录谈到了续约",
        "找找客户抱怨价格的笔记",
        "有谁说过发票金额不对",
    ],
)
