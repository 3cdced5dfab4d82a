"""deal stage changes: every move of a deal between stages, from where to where, when and by whom

Stage moves Tessera made before this revision are carried over from the undo log (its `move_deal_stage` entries not
undone), so the history starts with what was already known.

Revision ID: c3e8a5d1f7b2
Revises: a07817960842
"""
from alembic import op
import sqlalchemy as sa

revision = "c3e8a5d1f7b2"
down_revision = "a07817960842"
branch_labels = ("stage_history",)
depends_on = "b7e3d91a5c20"  # the undo log, whose stage moves are carried over

UNDO_LOG = sa.table("undo_log", sa.column("user_id", sa.Integer), sa.column("tool", sa.String),
                    sa.column("changes", sa.JSON), sa.column("created_at", sa.DateTime),
                    sa.column("undone_at", sa.DateTime), sa.column("id", sa.Integer))
DEALS = sa.table("deals", sa.column("id", sa.Integer))


def upgrade() -> None:
    changes = op.create_table(
        "deal_stage_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), sa.ForeignKey("deals.id"), nullable=False),
        sa.Column("from_stage", sa.String(length=20), nullable=True),
        sa.Column("to_stage", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deal_stage_changes_deal_id", "deal_stage_changes", ["deal_id"])
    op.bulk_insert(changes, _moves_in_the_undo_log())


def _moves_in_the_undo_log() -> list[dict]:
    bind = op.get_bind()
    deals = set(bind.execute(sa.select(DEALS.c.id)).scalars())
    rows = []
    entries = bind.execute(sa.select(UNDO_LOG.c.user_id, UNDO_LOG.c.changes, UNDO_LOG.c.created_at)
                           .where(UNDO_LOG.c.tool == "move_deal_stage", UNDO_LOG.c.undone_at.is_(None))
                           .order_by(UNDO_LOG.c.id))
    for user_id, written, at in entries:
        for change in written or ():
            stage = (change.get("fields") or {}).get("stage")
            deal_id = (change.get("key") or {}).get("id")
            if change.get("table") == "deals" and stage and len(stage) == 2 and deal_id in deals:
                rows.append({"deal_id": deal_id, "from_stage": stage[0], "to_stage": stage[1], "at": at,
                             "changed_by": user_id})
    return rows


def downgrade() -> None:
    op.drop_index("ix_deal_stage_changes_deal_id", table_name="deal_stage_changes")
    op.drop_table("deal_stage_changes")
