"""privacy: consents, provenance, field history, vault, vault tokens, subject requests, audit log

Revision ID: c5a27560e001
Revises: a07817960842
Create Date: 2026-11-26 06:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = "c5a27560e001"
down_revision = "a07817960842"
branch_labels = ("privacy",)
depends_on = None


def upgrade() -> None:
    op.create_table("privacy_consents",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("receipt_id", sa.String(length=36), nullable=False),
    sa.Column("contact_id", sa.Integer(), nullable=False),
    sa.Column("category", sa.String(length=80), nullable=False),
    sa.Column("purpose", sa.String(length=80), nullable=False),
    sa.Column("granted", sa.Boolean(), nullable=False),
    sa.Column("recorded_at", sa.DateTime(), nullable=False),
    sa.Column("expires_at", sa.DateTime(), nullable=True),
    sa.Column("channel", sa.String(length=40), nullable=False),
    sa.Column("notice", sa.Text(), nullable=False),
    sa.Column("notice_language", sa.String(length=8), nullable=False),
    sa.Column("recorded_by", sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("receipt_id"))
    op.create_index("ix_privacy_consents_contact_id", "privacy_consents", ["contact_id"])
    op.create_table("privacy_provenance",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("contact_id", sa.Integer(), nullable=False),
    sa.Column("field", sa.String(length=80), nullable=False),
    sa.Column("category", sa.String(length=80), nullable=False),
    sa.Column("source_channel", sa.String(length=40), nullable=False),
    sa.Column("source_system", sa.String(length=80), nullable=False),
    sa.Column("source_detail", sa.Text(), nullable=False),
    sa.Column("collected_at", sa.DateTime(), nullable=False),
    sa.Column("collected_for", sa.String(length=80), nullable=False),
    sa.Column("shared_with", sa.JSON(), nullable=False),
    sa.Column("recorded_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_privacy_provenance_contact_id", "privacy_provenance", ["contact_id"])
    op.create_table("privacy_field_history",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("contact_id", sa.Integer(), nullable=False),
    sa.Column("field", sa.String(length=80), nullable=False),
    sa.Column("old_value", sa.Text(), nullable=False),
    sa.Column("new_value", sa.Text(), nullable=False),
    sa.Column("changed_at", sa.DateTime(), nullable=False),
    sa.Column("request_id", sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_privacy_field_history_contact_id", "privacy_field_history", ["contact_id"])
    op.create_table("privacy_vault_items",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("contact_id", sa.Integer(), nullable=False),
    sa.Column("category", sa.String(length=80), nullable=False),
    sa.Column("content", sa.Text(), nullable=False),
    sa.Column("channel", sa.String(length=40), nullable=False),
    sa.Column("collected_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_privacy_vault_items_contact_id", "privacy_vault_items", ["contact_id"])
    op.create_table("privacy_vault_tokens",
    sa.Column("jti", sa.String(length=36), nullable=False),
    sa.Column("contact_id", sa.Integer(), nullable=False),
    sa.Column("category", sa.String(length=80), nullable=False),
    sa.Column("purpose", sa.String(length=80), nullable=False),
    sa.Column("client_id", sa.String(length=80), nullable=False),
    sa.Column("issued_at", sa.DateTime(), nullable=False),
    sa.Column("expires_at", sa.DateTime(), nullable=False),
    sa.Column("single_use", sa.Boolean(), nullable=False),
    sa.Column("used_at", sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint("jti"))
    op.create_index("ix_privacy_vault_tokens_contact_id", "privacy_vault_tokens", ["contact_id"])
    op.create_table("privacy_requests",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("contact_id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(length=20), nullable=False),
    sa.Column("scope", sa.String(length=80), nullable=False),
    sa.Column("channel", sa.String(length=20), nullable=False),
    sa.Column("status", sa.String(length=20), nullable=False),
    sa.Column("received_at", sa.DateTime(), nullable=False),
    sa.Column("due_at", sa.DateTime(), nullable=False),
    sa.Column("closed_at", sa.DateTime(), nullable=True),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("steps", sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_privacy_requests_contact_id", "privacy_requests", ["contact_id"])
    op.create_table("privacy_audit_log",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("seq", sa.Integer(), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("event", sa.String(length=40), nullable=False),
    sa.Column("actor", sa.String(length=80), nullable=False),
    sa.Column("contact_id", sa.Integer(), nullable=True),
    sa.Column("category", sa.String(length=80), nullable=False),
    sa.Column("purpose", sa.String(length=80), nullable=False),
    sa.Column("allowed", sa.Boolean(), nullable=True),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("prev_hash", sa.String(length=64), nullable=False),
    sa.Column("hash", sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("seq"))
    op.create_index("ix_privacy_audit_log_contact_id", "privacy_audit_log", ["contact_id"])


def downgrade() -> None:
    for table in ("privacy_audit_log", "privacy_requests", "privacy_vault_tokens", "privacy_vault_items",
                  "privacy_field_history", "privacy_provenance", "privacy_consents"):
        op.drop_table(table)
