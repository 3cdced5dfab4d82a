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


def test_the_deal_dates_migration_adds_the_covering_indexes_the_deal_metrics_read_and_takes_them_back(tmp_path,
                                                                                                      seeded_template):
    """Revision f7a3c1e9d5b4 (branch deal_dates): deals by (stage, closed_on, ...) and (stage, expected_close, ...),
    which won value by unit in a period and the open pipeline by expected close read without touching the table;
    downgraded, the indexes go and the deals stay as they were."""
    import shutil

    from alembic import command
    from sqlalchemy import inspect, text

    from tessera.migrate import alembic_config

    shutil.copy(seeded_template, tmp_path / "dates.db")
    store = Store(f"sqlite:///{tmp_path / 'dates.db'}")
    won_by_unit = ("SELECT unit_id, sum(amount) FROM deals WHERE stage = 'won' AND closed_on >= '2026-01-01' "
                   "AND closed_on < '2026-11-27' GROUP BY unit_id")
    pipeline = "SELECT sum(amount) FROM deals WHERE stage = 'proposal' AND expected_close <= '2026-12-31'"

    def state():
        with store.engine.connect() as conn:
            indexes = {ix["name"]: ix["column_names"] for ix in inspect(conn).get_indexes("deals")}
            rows = conn.execute(text("SELECT * FROM deals ORDER BY id")).all()
            plans = [" ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {q}"))
                     for q in (won_by_unit, pipeline)]
        return indexes, rows, plans

    indexes, rows, plans = state()
    assert indexes["ix_deals_stage_closed_on"] == ["stage", "closed_on", "unit_id", "owner_id", "amount"] and rows
    assert indexes["ix_deals_stage_expected_close"][:2] == ["stage", "expected_close"]
    assert "COVERING INDEX ix_deals_stage_closed_on" in plans[0]
    assert "COVERING INDEX ix_deals_stage_expected_close" in plans[1]
    config = alembic_config(store)
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "deal_dates@-1")
    down_indexes, down_rows, _ = state()
    assert not {"ix_deals_stage_closed_on", "ix_deals_stage_expected_close"} & down_indexes.keys()
    assert down_rows == rows
    migrate(store)
    assert state() == (indexes, rows, plans)
