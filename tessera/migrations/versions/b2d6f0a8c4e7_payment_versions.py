"""data versions of payments, orders and activities: the accounts' late-payment figures are kept until a payment (or
the order it belongs to) changes, and deal scores until what their features read changes

Revision ID: b2d6f0a8c4e7
Revises: e8c1a4f7b302
"""
from alembic import op

# the tables this revision adds to the watched ones (crm/data_versions.py); tessera_data_changed() on PostgreSQL is
# the function e8c1a4f7b302 made
ADDED = ("orders", "payments", "activities")

revision = "b2d6f0a8c4e7"
down_revision = "e8c1a4f7b302"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ADDED:
        op.execute(f"INSERT INTO data_versions (name, version) VALUES ('{table}', 0)")
    if op.get_bind().dialect.name == "postgresql":
        for table in ADDED:
            op.execute(f"CREATE CONSTRAINT TRIGGER data_versions_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tessera_data_changed()")
    else:
        for table in ADDED:
            for when in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER data_versions_{table}_{when.lower()} AFTER {when} ON {table} BEGIN "
                           f"UPDATE data_versions SET version = version + 1 WHERE name = '{table}'; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ADDED:
            op.execute(f"DROP TRIGGER data_versions_{table} ON {table}")
    else:
        for table in ADDED:
            for when in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER data_versions_{table}_{when}")
    op.execute(f"DELETE FROM data_versions WHERE name IN {ADDED!r}")
