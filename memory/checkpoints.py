"""Conversation checkpoints: LangGraph's SQLite saver by default, its PostgreSQL saver for a PostgreSQL URL."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver


def open_checkpointer(url: str) -> tuple[BaseCheckpointSaver, callable]:
    """The saver for `url` (a file path or postgresql:// URL) and a function that closes it."""
    if url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        conninfo = url.replace("postgresql+psycopg://", "postgresql://")
        pool = ConnectionPool(conninfo, kwargs={"autocommit": True, "row_factory": dict_row, "prepare_threshold": 0},
                              min_size=1, max_size=8, open=True)
        saver = PostgresSaver(pool)
        saver.setup()
        return saver, pool.close
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    saver = SqliteSaver(conn)
    saver.setup()
    return saver, conn.close
