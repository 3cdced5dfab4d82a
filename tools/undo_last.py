"""Tool: take back what the user's last request wrote ("undo", "撤销")."""
from __future__ import annotations

from pydantic import BaseModel, Field

from crm.services.undo import undo_entry, undo_last
from tools.base import ToolContext, ToolSpec


class UndoLastArgs(BaseModel):
    undo_id: int | None = Field(None, description="the undo id a reply offered; omit it to undo the last request")


def run(ctx: ToolContext, args: UndoLastArgs) -> dict:
    with ctx.store.session() as s:
        if args.undo_id is not None:
            return undo_entry(s, ctx.actor, args.undo_id, now=ctx.clock())
        return undo_last(s, ctx.actor, now=ctx.clock())


TOOL = ToolSpec(
    name="undo_last",
    summary="Undo what the user's last request wrote (a logged activity, a deal moved between open stages, a case "
            "or task created, a contact corrected): the old values come back. Irreversible writes (erasure, "
            "consent, closed deals, booked discounts) and other people's writes cannot be undone.",
    args=UndoLastArgs,
    run=run,
    writes=True,
    undoable=False,
    examples=[
        "undo",
        "undo that",
        "take that back",
        "revert what you just did",
        "撤销",
        "撤销刚才的操作",
        "刚才那个改回去",
    ],
)
