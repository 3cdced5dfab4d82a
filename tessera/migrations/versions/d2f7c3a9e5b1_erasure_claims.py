"""erasure claims: the worker carrying out a queued erasure and its lease (several workers poll one queue)

Revision ID: d2f7c3a9e5b1
Revises: 9d4e7a2c1b30
"""
from alembic import op
import sqlalchemy as sa

revision = "d2f7c3a9e5b1"
down_revision = "9d4e7a2c1b30"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("privacy_requests", sa.Column("claimed_by", sa.String(length=120), nullable=True))
    op.add_column("privacy_requests", sa.Column("claimed_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("privacy_requests") as batch:  # SQLite drops columns by copying the table
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
