"""Scratch PostgreSQL databases for tests and benchmarks: one made per use on the server at TESSERA_TEST_POSTGRES_URL
(127.0.0.1:5432 by default) and dropped afterwards, however the test ended.

When no server answers, a test is skipped, unless TESSERA_TEST_POSTGRES_URL was set explicitly: then the server
was meant to be there, and the test fails instead of passing by skipping."""
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


@contextmanager
def scratch_database(prefix: str = "tessera_test", admin_url: str = ADMIN_URL) -> Iterator[str]:
    """Yields the URL of a new empty database named `<prefix>_<8 hex>`; drops it (closing its connections) after."""
    admin = admin_connection(admin_url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def scratch_or_skip(prefix: str = "tessera_test") -> Iterator[str]:
    """`scratch_database` for a test: skipped when no server answers and none was asked for explicitly."""
    import pytest

    try:
        admin_connection().close()
    except NoPostgres as exc:
        if "TESSERA_TEST_POSTGRES_URL" in os.environ:
            pytest.fail(f"{exc} (TESSERA_TEST_POSTGRES_URL is set, so the PostgreSQL tests must run)")
        pytest.skip(str(exc))
    with scratch_database(prefix) as url:
        yield url


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
