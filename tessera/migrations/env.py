"""Alembic environment: the CRM entities and Tessera's own tables share one metadata."""
from alembic import context

from tessera.schema import full_metadata

config = context.config
target_metadata = full_metadata()


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        connection = create_engine(config.get_main_option("sqlalchemy.url")).connect()
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
