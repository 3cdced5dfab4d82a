"""audit anchor: the chain's head row, details and signed heads on lines; autonomy_audit rows get chained twins

Revision ID: 9d4e7a2c1b30
Revises: c5a27560e001
Depends on: 5b2c9e1f4a7d (autonomy: its audit rows are chained here)
"""
import hashlib
import json

from alembic import op
import sqlalchemy as sa

revision = "9d4e7a2c1b30"
down_revision = "c5a27560e001"
branch_labels = None
depends_on = ("5b2c9e1f4a7d",)

GENESIS = "0" * 64


def upgrade() -> None:
    op.add_column("privacy_audit_log", sa.Column("details", sa.JSON(), nullable=True))
    op.add_column("privacy_audit_log", sa.Column("signed_head", sa.JSON(), nullable=True))
    op.create_table("privacy_audit_head",
                    sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column("seq", sa.Integer(), nullable=False),
                    sa.Column("hash", sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint("id"))
    bind = op.get_bind()
    seq, head = _chain_twins(bind, *_head_of(bind))
    bind.execute(sa.text("INSERT INTO privacy_audit_head (id, seq, hash) VALUES (1, :seq, :hash)"),
                 {"seq": seq, "hash": head})


def downgrade() -> None:
    op.drop_table("privacy_audit_head")
    with op.batch_alter_table("privacy_audit_log") as batch:  # SQLite drops columns by copying the table
        batch.drop_column("signed_head")
        batch.drop_column("details")


# The recipes below are frozen copies of crm/privacy/audit.py::digest and crm/autonomy/trail.py::content_digest
# as of this revision: a migration must give the same result whatever the code becomes later.
def _digest(prev, seq, at, event, actor, contact_id, category, purpose, allowed, reason, details):
    fields = [prev, seq, at.isoformat(timespec="microseconds"), event, actor, contact_id, category, purpose, allowed,
              reason, details]
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _content_digest(row_id, unit_id, actor, event, details, created_at):
    body = json.dumps([row_id, unit_id, actor, event, details, created_at.isoformat(timespec="microseconds")],
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _head_of(bind) -> tuple[int, str]:
    last = bind.execute(sa.text("SELECT seq, hash FROM privacy_audit_log ORDER BY seq DESC LIMIT 1")).first()
    return (last[0], last[1]) if last else (0, GENESIS)


def _chain_twins(bind, seq: int, prev: str) -> tuple[int, str]:
    """Every autonomy_audit row written before this revision gets its chained twin, in id order."""
    rows = bind.execute(sa.text("SELECT id, unit_id, actor, event, details, created_at FROM autonomy_audit "
                                "ORDER BY id")).all()
    insert = sa.text("INSERT INTO privacy_audit_log (seq, at, event, actor, contact_id, category, purpose, allowed, "
                     "reason, details, prev_hash, hash) VALUES (:seq, :at, :event, :actor, NULL, :category, '', "
                     "NULL, :reason, :details, :prev_hash, :hash)").bindparams(sa.bindparam("details", type_=sa.JSON()))
    for row_id, unit_id, actor, event, details, created_at in rows:
        details = json.loads(details) if isinstance(details, str) else details
        created_at = created_at if not isinstance(created_at, str) else _parse(created_at)
        twin = {"table": "autonomy_audit", "id": row_id,
                "sha256": _content_digest(row_id, unit_id, actor, event, details, created_at)}
        line_details = {"unit_id": unit_id, "twin": twin}
        seq += 1
        event_name, reason = f"autonomy.{event}", "chained when the audit anchor was introduced"
        hashed = _digest(prev, seq, created_at, event_name, actor, None, "autonomy", "", None, reason, line_details)
        bind.execute(insert, {"seq": seq, "at": created_at, "event": event_name, "actor": actor,
                              "category": "autonomy", "reason": reason, "details": line_details,
                              "prev_hash": prev, "hash": hashed})
        prev = hashed
    return seq, prev


def _parse(text: str):
    import datetime as dt

    return dt.datetime.fromisoformat(text)
