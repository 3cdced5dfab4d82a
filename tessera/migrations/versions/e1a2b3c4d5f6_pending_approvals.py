"""pending approvals: conversations paused for a person's decision

Revision ID: e1a2b3c4d5f6
Revises: a07817960842
"""
from alembic import op
import sqlalchemy as sa

revision = "e1a2b3c4d5f6"
down_revision = "a07817960842"
branch_labels = ("approvals",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_approvals",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.String(length=200), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("approver", sa.String(length=80), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pending_approvals_thread_id", "pending_approvals", ["thread_id"])
    op.create_index("ix_pending_approvals_approver", "pending_approvals", ["approver"])


def downgrade() -> None:
    op.drop_index("ix_pending_approvals_approver", table_name="pending_approvals")
    op.drop_index("ix_pending_approvals_thread_id", table_name="pending_approvals")
    op.drop_table("pending_approvals")
