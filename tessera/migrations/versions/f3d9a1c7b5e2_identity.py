"""identity: token lifetimes and scopes, disabled logins, the turn journal and idempotency keys

Tokens issued before this revision get the scopes their user's role allows by default and 30 more days.

Revision ID: f3d9a1c7b5e2
Revises: c4a1e5d20b17
Create Date: 2026-12-01 09:00:00
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = "f3d9a1c7b5e2"
down_revision = "c4a1e5d20b17"
branch_labels = ("identity",)
depends_on = None

GRACE = dt.timedelta(days=30)


def upgrade() -> None:
    op.add_column("users", sa.Column("disabled_at", sa.DateTime(), nullable=True))
    op.add_column("api_tokens", sa.Column("scopes", sa.String(length=200), nullable=False, server_default=""))
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(), nullable=True))
    conn = op.get_bind()
    until = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + GRACE
    conn.execute(sa.text("UPDATE api_tokens SET expires_at = :until, scopes = CASE WHEN "
                         "(SELECT role FROM users WHERE users.id = api_tokens.user_id) = 'customer' "
                         "THEN 'chat privacy' ELSE 'chat units approvals' END"), {"until": until})
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(), nullable=False)
        batch.alter_column("scopes", existing_type=sa.String(length=200), server_default=None)
    op.create_table(
        "turns_in_flight",
        sa.Column("thread_id", sa.String(length=200), nullable=False),
        sa.Column("turn_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("messages_before", sa.Integer(), nullable=False),
        sa.Column("idempotency_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("thread_id"),
    )
    op.create_table(
        "idempotent_turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("turn_id", sa.String(length=36), nullable=True),
        sa.Column("approval_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "key", name="uq_idempotent_turns_user_key"),
    )
    op.create_index("ix_idempotent_turns_user_id", "idempotent_turns", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_idempotent_turns_user_id", table_name="idempotent_turns")
    op.drop_table("idempotent_turns")
    op.drop_table("turns_in_flight")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("scopes")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
