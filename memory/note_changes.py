"""The store's change log of notes and cases, and each vector memory's place in it (both tables of the store).

Database triggers (tessera/migrations/versions/d2f6a8c4e1b9_note_changes.py) add a row to `note_changes` whenever an
activity or a case is created, deleted, or has its text, person or account changed, and for every note and case of
an account moved to another unit; whoever writes (a tool, the seed, an erasure, an undo, an edge site, raw SQL) is
covered. A row names the record only: the indexer reads the record as it is now, so the log holds no text.

`seq` is the order in which indexers see the rows. Ids come from a sequence and are not in commit order on
PostgreSQL (a transaction that took id 7 may commit after the one that took id 8), so a cursor over ids could step
over a row committed late. Instead rows are stamped with `seq` once they are visible, by one stamper at a time
(memory/note_index.py): a row committed late is stamped later, above every cursor, and nothing is skipped.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from crm.models import Base

STAMPER = "-stamper-"  # the index_cursors row whose lock makes stamping one-at-a-time


class NoteChange(Base):
    """A note ('activity') or a case ('case') that changed; written by triggers only."""

    __tablename__ = "note_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    record_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer, index=True)  # set once visible; the order indexers follow
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.current_timestamp())


class IndexCursor(Base):
    """How far one vector memory (keyed by its Chroma location and collection) has followed `note_changes`, and
    which worker holds the lease to move it."""

    __tablename__ = "index_cursors"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # every row with seq <= position is indexed
    generation: Mapped[str] = mapped_column(String(64), default="")  # the collection this position belongs to
    holder: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
