"""Bringing a store's schema to the newest Alembic revision."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from crm.store import Store

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(store: Store) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", store.url.replace("%", "%%"))
    return config


def migrate(store: Store) -> None:
    with store.engine.begin() as connection:
        config = alembic_config(store)
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")  # each capability adds its tables on its own branch


def new_revision(store: Store, message: str) -> None:
    """Autogenerate a revision from the difference between the models and `store` (a developer's command)."""
    with store.engine.begin() as connection:
        config = alembic_config(store)
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
