"""How far each watched table has changed: a counter per table in the store, moved by database triggers on every
insert, update and delete, whoever writes (a tool, the seed, an erasure's bulk statement, another worker, psql).

A cache built from a table stays valid while the table's counter stands still, in every process: read the counter,
compare, and only on a change read the table again. Read the counter before the rows: a write committed between the
two makes one reload too many, never a stale cache. On PostgreSQL the counter moves when the writing transaction
commits (a deferred trigger, so its row lock is the last lock a transaction takes and cannot deadlock); a session
that wrote the table itself must not trust the counter before it commits (`wrote_in`)."""
from __future__ import annotations

from sqlalchemy import BigInteger, Connection, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.models import Base

# the tables whose caches are kept by their counters: the privacy directory reads contacts, the names each scope
# may see read accounts, contacts, deals, shared accounts, products and colleagues; the accounts' late-payment figures
# of deals at risk read payments and orders; deal scores read deals, products, activities, orders and payments
WATCHED = ("accounts", "contacts", "deals", "products", "users", "shared_accounts", "orders", "payments", "activities")
_WRITTEN = "data_versions.written"  # session.info: the watched tables this session wrote through the ORM


class DataVersion(Base):
    """One watched table and how many changes it has had; written by triggers only."""

    __tablename__ = "data_versions"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


def versions(session: Session | Connection, tables: tuple[str, ...]) -> tuple[int, ...]:
    """The counters of `tables`, in that order (one small query: every counter, a handful of rows)."""
    found = dict(session.execute(_EVERY_COUNTER).all())
    return tuple(found.get(t, -1) for t in tables)


# built once: a statement with an IN list is built and compiled again at each call, which costs more than reading
# the few rows the table has
_EVERY_COUNTER = select(DataVersion.name, DataVersion.version)


def wrote_in(session: Session, table: str) -> bool:
    """Whether this session has written `table` and not yet committed (through the ORM, or said by `written`)."""
    return table in session.info.get(_WRITTEN, ())


def written(session: Session, table: str) -> None:
    """A bulk statement wrote `table` in this session: caches must not trust the counter until it commits."""
    session.info.setdefault(_WRITTEN, set()).add(table)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table in WATCHED:
            written(session, table)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _ended(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
