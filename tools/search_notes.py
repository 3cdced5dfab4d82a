"""Tool: semantic search over activity notes and case texts (vector memory), each note passing the PDP."""
from __future__ import annotations

from pydantic import BaseModel

from crm.actor import AccessDenied
from crm.privacy import pdp
from crm.privacy.guard import masked_text
from crm.services.lookup import resolve_account
from crm.services.scope import require_staff, visible_unit_ids
from tools.base import ToolContext, ToolSpec, entity, slot

PURPOSE = "sales.follow_up"
CATEGORY = "user.behavior.interaction"


class SearchNotesArgs(BaseModel):
    query: str = slot("free_text", "what the notes should be about, e.g. 'discount request', '交货延迟'")
    account: str | None = entity("account", "only this account's notes", None)


def run(ctx: ToolContext, args: SearchNotesArgs) -> dict:
    require_staff(ctx.actor, "search notes")
    if ctx.notes is None:
        raise ValueError("note search is not available here (no vector memory is configured)")
    now = ctx.clock()
    with ctx.store.session() as s:
        account_id = resolve_account(s, ctx.actor, args.account).id if args.account else None
    ctx.notes.index_recent(account_id=account_id)  # a note logged a moment ago is found; the rest in the background
    with ctx.store.session() as s:
        hits = ctx.notes.search(args.query, unit_ids=visible_unit_ids(ctx.actor), account_id=account_id)
        pdp.prefetch(s, [h["contact_id"] for h in hits if h["contact_id"]])
        items, withheld = [], []
        for h in hits:
            text, why = masked_text(s, h["contact_id"], CATEGORY, PURPOSE, h["text"], now, actor=ctx.actor.login)
            items.append({"note": h["id"], "text": text, "score": h["score"]})
            withheld += [f"{h['id']}: {reason}" for reason in why]
    if any(h["unit_id"] not in (visible_unit_ids(ctx.actor) or [h["unit_id"]]) for h in hits):
        raise AccessDenied("a note from another unit came back; refusing the whole result")
    result = {"items": items, "total": len(items), "about": args.query}
    if withheld:
        result["withheld"] = withheld
    return result


TOOL = ToolSpec(
    name="search_notes",
    summary="Search the notes of calls, meetings and cases by meaning (not exact words) within your accounts; "
            "notes about people who did not consent to sales follow-up come back withheld, and so does any phone, "
            "e-mail or name inside a note whose person did not consent.",
    args=SearchNotesArgs,
    run=run,
    examples=[
        "find notes where a customer mentioned a discount",
        "search our call notes for delivery problems",
        "which conversations talked about the renewal",
        "any notes about pricing complaints at Acme",
        "搜一下提到折扣的沟通记录",
        "查找关于交货延迟的备注",
        "哪些拜访记录谈到了续约",
        "找找客户抱怨价格的笔记",
    ],
)
