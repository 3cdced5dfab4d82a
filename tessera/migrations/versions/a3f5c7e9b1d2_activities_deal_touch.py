"""activities (deal_id, occurred_at): a deal's last touch is one index seek (deals at risk ranks every open deal by it)

Revision ID: a3f5c7e9b1d2
Revises: a07817960842
"""
from alembic import op

revision = "a3f5c7e9b1d2"
down_revision = "a07817960842"
branch_labels = ("deal_touch",)
depends_on = None


def upgrade() -> None:
    op.create_index("ix_activities_deal_id_occurred_at", "activities", ["deal_id", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_activities_deal_id_occurred_at", table_name="activities")
