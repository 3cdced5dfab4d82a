"""undo log: what each write changed, kept per turn so its user can take it back

Revision ID: b7e3d91a5c20
Revises: a07817960842
"""
from alembic import op
import sqlalchemy as sa

revision = "b7e3d91a5c20"
down_revision = "a07817960842"
branch_labels = ("undo",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "undo_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.String(length=64), nullable=False),
        sa.Column("tool", sa.String(length=80), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reversible", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_undo_log_user_id", "undo_log", ["user_id"])
    op.create_index("ix_undo_log_turn_id", "undo_log", ["turn_id"])


def downgrade() -> None:
    op.drop_index("ix_undo_log_turn_id", table_name="undo_log")
    op.drop_index("ix_undo_log_user_id", table_name="undo_log")
    op.drop_table("undo_log")
