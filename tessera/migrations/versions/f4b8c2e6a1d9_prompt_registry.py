"""prompt registry: later versions of each prompt, labels (production, staging), label moves, eval runs

Revision ID: f4b8c2e6a1d9
Revises: a07817960842
"""
from alembic import op
import sqlalchemy as sa

revision = "f4b8c2e6a1d9"
down_revision = "a07817960842"
branch_labels = ("prompt_registry",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prompt_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prompt", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("why", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prompt", "version", name="uq_prompt_versions_prompt_version"),
    )
    op.create_index("ix_prompt_versions_prompt", "prompt_versions", ["prompt"])
    op.create_table(
        "prompt_labels",
        sa.Column("prompt", sa.String(length=80), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("moved_by", sa.String(length=80), nullable=False),
        sa.Column("moved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("prompt", "label"),
    )
    op.create_table(
        "prompt_label_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prompt", sa.String(length=80), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=True),
        sa.Column("to_version", sa.Integer(), nullable=False),
        sa.Column("moved_by", sa.String(length=80), nullable=False),
        sa.Column("why", sa.String(length=500), nullable=False),
        sa.Column("moved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_prompt_label_moves_prompt", "prompt_label_moves", ["prompt"])
    op.create_table(
        "prompt_eval_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prompt", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("split", sa.String(length=20), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("ran_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_prompt_eval_runs_prompt", "prompt_eval_runs", ["prompt"])


def downgrade() -> None:
    op.drop_index("ix_prompt_eval_runs_prompt", table_name="prompt_eval_runs")
    op.drop_table("prompt_eval_runs")
    op.drop_index("ix_prompt_label_moves_prompt", table_name="prompt_label_moves")
    op.drop_table("prompt_label_moves")
    op.drop_table("prompt_labels")
    op.drop_index("ix_prompt_versions_prompt", table_name="prompt_versions")
    op.drop_table("prompt_versions")
