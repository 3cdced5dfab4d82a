"""edge: enrolled edge nodes (site account, service user, credential hash, revocation)

Revision ID: b8e4d2a6c913
Revises: a07817960842
Create Date: 2026-11-30 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = "b8e4d2a6c913"
down_revision = "a07817960842"
branch_labels = ("edge",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "edge_nodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("credential_hash", sa.String(length=64), nullable=False),
        sa.Column("enrolled_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("rotated_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("credential_hash"),
        sa.UniqueConstraint("node_id"),
    )
    op.create_index("ix_edge_nodes_account_id", "edge_nodes", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_edge_nodes_account_id", table_name="edge_nodes")
    op.drop_table("edge_nodes")
