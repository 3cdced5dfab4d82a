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
