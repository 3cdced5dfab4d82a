"""case close: when a case was resolved or closed (`cases.closed_at`), which dates the cases closed in a period and
the time to close a case

Cases already resolved or closed carry no record of when they closed (nothing before this revision kept it): each
gets its opening moment plus the usual time to close a case of its priority (urgent 1 day, high 3, normal 7, low 14),
never later than the moment of the migration. Open cases stay undated.

Revision ID: a9c4e2f7d1b3
Revises: a07817960842
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa

revision = "a9c4e2f7d1b3"
down_revision = "a07817960842"
branch_labels = ("case_close",)
depends_on = None

DAYS_TO_CLOSE = {"urgent": 1, "high": 3, "normal": 7, "low": 14}
USUAL = 7  # a priority not listed above
CASES = sa.table("cases", sa.column("id", sa.Integer), sa.column("status", sa.String),
                 sa.column("priority", sa.String), sa.column("created_at", sa.DateTime),
                 sa.column("closed_at", sa.DateTime))


def upgrade() -> None:
    op.add_column("cases", sa.Column("closed_at", sa.DateTime(), nullable=True))
    bind = op.get_bind()
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    closed = bind.execute(sa.select(CASES.c.id, CASES.c.priority, CASES.c.created_at)
                          .where(CASES.c.status.in_(("resolved", "closed")))).all()
    dated = [{"case_id": case_id, "closed_at": min(now, opened + dt.timedelta(days=DAYS_TO_CLOSE.get(priority, USUAL)))}
             for case_id, priority, opened in closed if opened is not None]
    if dated:
        bind.execute(CASES.update().where(CASES.c.id == sa.bindparam("case_id"))
                     .values(closed_at=sa.bindparam("closed_at")), dated)


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN in place (SQLite 3.35+): a batch copy of the table would drop its change-log triggers
    op.execute("ALTER TABLE cases DROP COLUMN closed_at")
