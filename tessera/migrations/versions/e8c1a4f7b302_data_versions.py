"""data versions: a counter per watched table, moved by triggers on every write, so caches know when to reload

Revision ID: e8c1a4f7b302
Revises: a07817960842
"""
from alembic import op
import sqlalchemy as sa

# the watched tables as this revision made them (crm/data_versions.py reads the counters)
WATCHED = ("accounts", "contacts", "deals", "products", "users", "shared_accounts")

revision = "e8c1a4f7b302"
down_revision = "a07817960842"
branch_labels = ("versions",)
depends_on = ("5b2c9e1f4a7d",)  # shared_accounts is made on the autonomy branch


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    for table in WATCHED:
        op.execute(f"INSERT INTO data_versions (name, version) VALUES ('{table}', 0)")
    if op.get_bind().dialect.name == "postgresql":
        # deferred to the commit: the counter's row lock is the last lock the writing transaction takes
        op.execute("""
            CREATE FUNCTION tessera_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN  -- once per table and transaction: a seed of thousands of rows moves the counter once
                IF current_setting('tessera.changed_' || TG_TABLE_NAME, true) IS DISTINCT FROM 'yes' THEN
                    UPDATE data_versions SET version = version + 1 WHERE name = TG_TABLE_NAME;
                    PERFORM set_config('tessera.changed_' || TG_TABLE_NAME, 'yes', true);
                END IF;
                RETURN NULL;
            END $$""")
        for table in WATCHED:
            op.execute(f"CREATE CONSTRAINT TRIGGER data_versions_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tessera_data_changed()")
    else:
        for table in WATCHED:
            for when in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER data_versions_{table}_{when.lower()} AFTER {when} ON {table} BEGIN "
                           f"UPDATE data_versions SET version = version + 1 WHERE name = '{table}'; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER data_versions_{table} ON {table}")
        op.execute("DROP FUNCTION tessera_data_changed()")
    else:
        for table in WATCHED:
            for when in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER data_versions_{table}_{when}")
    op.drop_table("data_versions")
