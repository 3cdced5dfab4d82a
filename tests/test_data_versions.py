"""Caches kept by the store's change counters see every write on the next turn: a rename or a new e-mail written by
another connection (another worker, psql, a bulk statement) reaches the names a rep's turn is read with and the
privacy directory, a session sees its own uncommitted writes, and a rolled-back write leaves no trace in them.
The same on PostgreSQL, where the counter moves when the writer commits."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from crm.data_versions import WATCHED, versions
from crm.models import Contact
from crm.privacy.directory import directory
from crm.privacy.identifiers import email_key
from crm.store import Store
from tests.conftest import FIXED_NOW
from tests.test_postgres import pg_url  # noqa: F401
from tessera.runtime import Tessera
from tessera.settings import Settings

REP = "li.wei"  # a rep of East Enterprise, whose unit holds Acme Robotics


def counters(store: Store) -> dict[str, int]:
    with store.session() as s:
        return dict(zip(WATCHED, versions(s, WATCHED)))


def elsewhere(url: str, statement: str, **values) -> None:
    """One committed statement from another connection pool, as another worker or psql would send it."""
    other = Store(url)
    try:
        with other.engine.begin() as conn:
            conn.execute(text(statement), values)
    finally:
        other.dispose()


def owners_of_email(store: Store, email: str) -> set[int]:
    with store.session() as s:
        return set(directory(s).emails.get(email_key(email), ()))


def some_contact(store: Store) -> tuple[int, str]:
    with store.session() as s:
        contact = s.scalars(select(Contact).where(Contact.email != "").order_by(Contact.id)).first()
        return contact.id, contact.email


def renamed_account_is_read_on_the_next_turn(tessera: Tessera, url: str) -> None:
    first = tessera.chat(REP, "rename", "give me an overview of Acme Robotics")  # the rep's names are cached
    assert "Acme Robotics" in first.reply, first.reply
    before = counters(tessera.store)
    elsewhere(url, "UPDATE accounts SET name = 'Quokka Dynamics' WHERE name = 'Acme Robotics'")
    after = counters(tessera.store)
    assert after["accounts"] > before["accounts"]
    assert {t: n for t, n in after.items() if t != "accounts"} == {t: n for t, n in before.items() if t != "accounts"}
    turn = tessera.chat(REP, "rename", "give me an overview of Quokka Dynamics")
    assert [c["name"] for c in turn.tool_calls] == ["account_summary"], turn.reply
    assert turn.tool_calls[0]["args"]["account"] == "Quokka Dynamics" and "Quokka Dynamics" in turn.reply


def new_email_is_in_the_next_directory(store: Store, url: str) -> None:
    contact_id, old_email = some_contact(store)
    assert owners_of_email(store, old_email) == {contact_id}  # built and cached
    elsewhere(url, "UPDATE contacts SET email = 'quokka.new@example.com' WHERE id = :id", id=contact_id)
    assert owners_of_email(store, "quokka.new@example.com") == {contact_id}
    assert owners_of_email(store, old_email) == set()


def test_an_account_renamed_by_another_connection_is_the_name_the_reps_next_turn_reads(tessera):
    renamed_account_is_read_on_the_next_turn(tessera, tessera.store.url)


def test_an_email_changed_by_another_connection_is_in_the_next_directory(store):
    new_email_is_in_the_next_directory(store, store.url)


def test_a_session_sees_its_own_uncommitted_contact_and_a_rollback_leaves_none(store):
    contact_id, old_email = some_contact(store)
    assert owners_of_email(store, old_email) == {contact_id}
    with pytest.raises(RuntimeError), store.session() as s:
        s.get(Contact, contact_id).email = "quokka.draft@example.com"
        assert directory(s).emails.get(email_key("quokka.draft@example.com")) == {contact_id}
        raise RuntimeError("the turn failed")
    assert owners_of_email(store, "quokka.draft@example.com") == set()
    assert owners_of_email(store, old_email) == {contact_id}


def test_turns_that_only_read_or_log_notes_move_no_counter_of_names(tessera):
    before = counters(tessera.store)
    tessera.chat(REP, "quiet", "show me the deals of Acme Robotics")
    assert counters(tessera.store) == before
    logged = tessera.chat(REP, "quiet", "log a call with Acme Robotics about the renewal")
    assert [c["name"] for c in logged.tool_calls] == ["log_activity"] and logged.written, logged.reply
    after = counters(tessera.store)
    # the new activity moves only its own counter (deal scores read activities); the names and the directory,
    # cached by the other counters, stay valid across such turns
    assert after["activities"] == before["activities"] + 1
    assert {k: v for k, v in after.items() if k != "activities"} == {k: v for k, v in before.items()
                                                                      if k != "activities"}


@pytest.mark.postgres
def test_on_postgres_a_write_from_another_connection_reaches_the_next_turn(pg_url, tmp_path):  # noqa: F811
    tessera = Tessera(Settings(data_dir=tmp_path, database_url=pg_url), clock=lambda: FIXED_NOW)
    try:
        renamed_account_is_read_on_the_next_turn(tessera, pg_url)
        new_email_is_in_the_next_directory(tessera.store, pg_url)
        with tessera.store.session() as s:  # deferred to the commit: not moved while the writer is still open
            before = counters(tessera.store)
            s.execute(text("UPDATE contacts SET city = 'Quokka Town' WHERE id = 1"))
            s.flush()
            assert counters(tessera.store) == before
        assert counters(tessera.store)["contacts"] == before["contacts"] + 1  # once per transaction
    finally:
        tessera.close()
