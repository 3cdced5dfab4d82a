"""A PostgreSQL store pings a pooled connection only when it waited in the pool a while: a connection that dropped
meanwhile (a server restart, an idle timeout) is replaced before a statement uses it, and one back from a use a
moment ago goes without the round trip."""
from __future__ import annotations

import time

from sqlalchemy import text

from crm.store import Store
from tessera.scratch_databases import admin_connection
from tests.postgres_support import scratch_or_skip


def backend_pid(store: Store) -> int:
    with store.session() as s:
        return s.execute(text("SELECT pg_backend_pid()")).scalar_one()


def counting_pings(store: Store) -> list[int]:
    pings, ping = [], store.engine.dialect.do_ping

    def counted(dbapi_connection):
        pings.append(1)
        return ping(dbapi_connection)

    store.engine.dialect.do_ping = counted
    return pings


def test_a_connection_dropped_while_it_waited_is_replaced_before_use():
    with scratch_or_skip() as url:
        store = Store(url, kept_connections=1, ping_after_idle=0.2)
        try:
            first = backend_pid(store)
            with admin_connection() as admin:  # the server drops it, as a restart or an idle timeout would
                admin.execute("SELECT pg_terminate_backend(%s)", (first,))
            time.sleep(0.4)
            second = backend_pid(store)  # no error: the ping found it gone and the pool opened another
            assert second != first
        finally:
            store.dispose()


def test_a_connection_back_from_use_a_moment_ago_is_not_pinged_and_one_that_waited_is():
    with scratch_or_skip() as url:
        store = Store(url, kept_connections=1, ping_after_idle=0.5)
        try:
            first = backend_pid(store)
            pings = counting_pings(store)
            for _ in range(5):
                assert backend_pid(store) == first  # the same connection each time, used straight away
            assert pings == []
            time.sleep(0.7)
            assert backend_pid(store) == first and pings == [1]  # it waited: pinged once, still alive, kept
        finally:
            store.dispose()
