"""Scratch PostgreSQL databases for tests and benchmarks: one made per use on the server at TESSERA_TEST_POSTGRES_URL
(127.0.0.1:5432 by default), migrated when asked, and dropped afterwards however the use ended. tests/
postgres_support.py adds what only pytest needs (skip when no server answers)."""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm.store import Store

ADMIN_URL = os.environ.get("TESSERA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


class NoPostgres(RuntimeError):
    """No PostgreSQL server answers at the admin URL."""


def admin_connection(url: str = ADMIN_URL):
    """An autocommit connection to the server's admin database (CREATE/DROP DATABASE run outside transactions)."""
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        raise NoPostgres(f"no PostgreSQL server answers at {url}: {exc}") from exc


def create_database(prefix: str = "tessera_test", admin_url: str = ADMIN_URL) -> str:
    """The URL of a new empty database named `<prefix>_<8 hex>`; the caller drops it (`drop_database`)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin_connection(admin_url) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


def drop_database(url: str, admin_url: str = ADMIN_URL) -> None:
    """Drops the database `url` names, closing the connections still open to it."""
    with admin_connection(admin_url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@contextmanager
def scratch_database(prefix: str = "tessera_test", admin_url: str = ADMIN_URL) -> Iterator[str]:
    """Yields the URL of a new empty database (`create_database`); drops it after."""
    url = create_database(prefix, admin_url)
    try:
        yield url
    finally:
        drop_database(url, admin_url)


@contextmanager
def migrated_store(url: str, *seeders: Callable[[Session], None]) -> Iterator[Store]:
    """A Store on `url` with the schema migrated and, in one session, each seeder run; disposed after."""
    from crm.store import Store
    from tessera.migrate import migrate

    store = Store(url)
    try:
        migrate(store)
        if seeders:
            with store.session() as s:
                for seed in seeders:
                    seed(s)
        yield store
    finally:
        store.dispose()
