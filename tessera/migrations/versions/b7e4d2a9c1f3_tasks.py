"""tasks and reminders: follow-ups a rep owns, with a reminder claimed once when due

Revision ID: b7e4d2a9c1f3
Revises: a07817960842
"""
from alembic import op
import sqlalchemy as sa

revision = "b7e4d2a9c1f3"
down_revision = "a07817960842"
branch_labels = ("tasks",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("sales_units.id"), nullable=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("deal_id", sa.Integer(), sa.ForeignKey("deals.id"), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("remind", sa.Boolean(), nullable=False),
        sa.Column("reminder_state", sa.String(length=12), nullable=False),
        sa.Column("reminder_claimed_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("reminder_attempts", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("owner_id", "unit_id", "account_id", "contact_id", "due_at", "status", "reminder_state"):
        op.create_index(f"ix_tasks_{column}", "tasks", [column])


def downgrade() -> None:
    for column in ("owner_id", "unit_id", "account_id", "contact_id", "due_at", "status", "reminder_state"):
        op.drop_index(f"ix_tasks_{column}", table_name="tasks")
    op.drop_table("tasks")
