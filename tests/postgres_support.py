"""Scratch PostgreSQL databases in tests (tessera/scratch_databases.py): when no server answers, a test is skipped,
unless TESSERA_TEST_POSTGRES_URL was set explicitly: then the server was meant to be there, and the test fails
instead of passing by skipping."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from tessera.scratch_databases import NoPostgres, admin_connection, migrated_store, scratch_database

__all__ = ["migrated_store", "scratch_database", "scratch_or_skip"]


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
