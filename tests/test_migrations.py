"""Migrations and models agree: a store migrated from nothing has exactly the tables and columns the code declares."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from crm.store import Store
from tessera.migrate import migrate
from tessera.schema import full_metadata


def test_a_fresh_store_migrated_to_head_matches_the_models(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate(store)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), full_metadata())
    store.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_migrating_twice_changes_nothing(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'twice.db'}")
    migrate(store)
    migrate(store)
    store.dispose()


def test_the_deal_touch_migration_adds_the_index_a_deals_last_touch_is_sought_by_and_takes_it_back(tmp_path,
                                                                                                   seeded_template):
    """Revision a3f5c7e9b1d2 (branch deal_touch): activities (deal_id, occurred_at), which deals at risk seeks every
    open deal's last touch by; downgraded, the index goes and the activities stay as they were."""
    import shutil

    from alembic import command
    from sqlalchemy import inspect, text

    from tessera.migrate import alembic_config

    shutil.copy(seeded_template, tmp_path / "touch.db")
    store = Store(f"sqlite:///{tmp_path / 'touch.db'}")
    last_touch = "SELECT max(occurred_at) FROM activities WHERE deal_id = 7"

    def state():
        with store.engine.connect() as conn:
            indexes = {ix["name"]: ix["column_names"] for ix in inspect(conn).get_indexes("activities")}
            rows = conn.execute(text("SELECT * FROM activities ORDER BY id")).all()
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {last_touch}"))
        return indexes, rows, plan

    indexes, rows, plan = state()
    assert indexes["ix_activities_deal_id_occurred_at"] == ["deal_id", "occurred_at"] and rows
    assert "COVERING INDEX ix_activities_deal_id_occurred_at" in plan
    config = alembic_config(store)
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "deal_touch@-1")
    down_indexes, down_rows, _ = state()
    assert "ix_activities_deal_id_occurred_at" not in down_indexes and down_rows == rows
    migrate(store)
    assert state() == (indexes, rows, plan)
    store.dispose()
