"""note changes: a log of changed notes and cases, filled by triggers, and each vector memory's cursor in it

Every note and case already in the store goes into the log, so a vector memory indexes the seeded history too.

Revision ID: d2f6a8c4e1b9
Revises: a07817960842
"""
from alembic import op
import sqlalchemy as sa

revision = "d2f6a8c4e1b9"
down_revision = "a07817960842"
branch_labels = ("recall",)
depends_on = None

# (table, kind, the columns whose change changes what is indexed)
WATCHED = (("activities", "activity", "subject, body, contact_id, account_id"),
           ("cases", "case", "description, contact_id, account_id"))


def upgrade() -> None:
    op.create_table(
        "note_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_note_changes_seq", "note_changes", ["seq"])
    op.create_table(
        "index_cursors",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("generation", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    for table, kind, _ in WATCHED:  # what the store holds already: the seed, notes written by older versions
        op.execute(f"INSERT INTO note_changes (kind, record_id) SELECT '{kind}', id FROM {table} ORDER BY id")
    if op.get_bind().dialect.name == "postgresql":
        _postgres_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    for table, kind, columns in WATCHED:
        op.execute(f"CREATE TRIGGER note_changes_{table}_insert AFTER INSERT ON {table} BEGIN "
                   f"INSERT INTO note_changes (kind, record_id) VALUES ('{kind}', NEW.id); END")
        op.execute(f"CREATE TRIGGER note_changes_{table}_update AFTER UPDATE OF {columns} ON {table} BEGIN "
                   f"INSERT INTO note_changes (kind, record_id) VALUES ('{kind}', NEW.id); END")
        op.execute(f"CREATE TRIGGER note_changes_{table}_delete AFTER DELETE ON {table} BEGIN "
                   f"INSERT INTO note_changes (kind, record_id) VALUES ('{kind}', OLD.id); END")
    op.execute("CREATE TRIGGER note_changes_accounts_unit AFTER UPDATE OF unit_id ON accounts "
               "WHEN NEW.unit_id IS NOT OLD.unit_id BEGIN "
               "INSERT INTO note_changes (kind, record_id) SELECT 'activity', id FROM activities "
               "WHERE account_id = NEW.id; "
               "INSERT INTO note_changes (kind, record_id) SELECT 'case', id FROM cases WHERE account_id = NEW.id; END")


def _postgres_triggers() -> None:
    op.execute("""
        CREATE FUNCTION tessera_note_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                INSERT INTO note_changes (kind, record_id) VALUES (TG_ARGV[0], OLD.id);
                RETURN OLD;
            END IF;
            INSERT INTO note_changes (kind, record_id) VALUES (TG_ARGV[0], NEW.id);
            RETURN NEW;
        END $$""")
    op.execute("""
        CREATE FUNCTION tessera_account_unit_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.unit_id IS DISTINCT FROM OLD.unit_id THEN
                INSERT INTO note_changes (kind, record_id) SELECT 'activity', id FROM activities
                    WHERE account_id = NEW.id ORDER BY id;
                INSERT INTO note_changes (kind, record_id) SELECT 'case', id FROM cases
                    WHERE account_id = NEW.id ORDER BY id;
            END IF;
            RETURN NEW;
        END $$""")
    for table, kind, columns in WATCHED:
        op.execute(f"CREATE TRIGGER note_changes_{table} AFTER INSERT OR DELETE OR UPDATE OF {columns} ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION tessera_note_changed('{kind}')")
    op.execute("CREATE TRIGGER note_changes_accounts_unit AFTER UPDATE OF unit_id ON accounts "
               "FOR EACH ROW EXECUTE FUNCTION tessera_account_unit_changed()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _, _ in WATCHED:
            op.execute(f"DROP TRIGGER note_changes_{table} ON {table}")
        op.execute("DROP TRIGGER note_changes_accounts_unit ON accounts")
        op.execute("DROP FUNCTION tessera_note_changed()")
        op.execute("DROP FUNCTION tessera_account_unit_changed()")
    else:
        for table, _, _ in WATCHED:
            for when in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER note_changes_{table}_{when}")
        op.execute("DROP TRIGGER note_changes_accounts_unit")
    op.drop_table("index_cursors")
    op.drop_index("ix_note_changes_seq", table_name="note_changes")
    op.drop_table("note_changes")
