"""Who mentioned what: search_notes answers with passages, links, dates and people, read from the store as it is now,
within the rep's unit and the people's consent; an undone note is not found again, an erased person's notes are
gone while everyone else's stay."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.logins import active_actor
from crm.models import Activity
from crm.store import Store
from memory.note_changes import NoteChange
from tessera.migrate import migrate
from tests.conftest import FIXED_NOW
from tests.note_index_support import note_index, small_company
from tests.privacy_support import call, privacy_dir, ptessera  # noqa: F401
from tools.base import ToolContext
from tools.registry import ALL

COLD = "who mentioned batteries dying in the cold?"


def search(store, notes, login: str, **args) -> dict:
    with store.session() as s:
        actor = active_actor(s, login)
    return ALL["search_notes"].invoke(ToolContext(store=store, actor=actor, clock=lambda: FIXED_NOW, notes=notes),
                                      args)


@pytest.fixture
def small(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'small.db'}")
    migrate(store)
    small_company(store)
    index = note_index(store, tmp_path / "chroma")
    index.catch_up()
    yield store, index
    index.memory.close()
    store.dispose()


def test_who_mentioned_cold_batteries_answers_with_the_passage_its_link_date_and_person(small):
    store, index = small
    found = search(store, index, "rep.east", query=COLD)
    top = found["items"][0]
    assert (top["link"], top["when"], top["account"]) == ("A-1", "2026-11-20", "Lakeside Logistics")
    assert "drain within an hour in the cold-storage hall" in top["passage"]
    assert top["with"] in ("Mia Park", f"contact #{1}")  # her name, or withheld without a consent on record


def test_a_rep_cannot_recall_another_units_notes(small):
    store, index = small
    east = search(store, index, "rep.east", query="scanners losing charge below zero in a freezer")
    north = search(store, index, "rep.north", query="scanners losing charge below zero in a freezer")
    assert "A-4" not in [i["link"] for i in east["items"]]  # Harbin Cold Chain is the north unit's account
    assert north["items"][0]["link"] == "A-4" and {i["account"] for i in north["items"]} == {"Harbin Cold Chain"}
    refused = search(store, index, "rep.east", query="scanners", account="Harbin Cold Chain")
    assert not refused["ok"]


def test_a_note_deleted_after_it_was_indexed_is_not_shown_even_before_the_catch_up(small):
    store, index = small
    with store.session() as s:
        s.delete(s.get(Activity, 1))
    found = search(store, index, "rep.east", query=COLD)  # the memory still holds it until it catches up
    assert "A-1" not in [i["link"] for i in found["items"]]


def test_an_undone_activitys_note_is_no_longer_found(tessera):
    turn = tessera.chat("li.wei", "t", "log a call with Acme Robotics: the handheld scanners die in the cold "
                                       "warehouse, quartz-owl fleet")
    assert [c["name"] for c in turn.tool_calls] == ["log_activity"], turn.reply
    found = call(tessera, "li.wei", "search_notes", notes=tessera.notes, query="quartz-owl scanners in the cold")
    assert any("quartz-owl" in i["passage"] for i in found["items"]), found
    undone = tessera.chat("li.wei", "t", "undo that")
    assert [c["name"] for c in undone.tool_calls] == ["undo_last"], undone.reply
    with tessera.store.session() as s:
        assert s.scalar(select(Activity).where(Activity.subject.contains("quartz-owl"))) is None
        assert s.scalar(select(NoteChange.kind).order_by(NoteChange.id.desc()).limit(1)) == "activity"
    again = call(tessera, "li.wei", "search_notes", notes=tessera.notes, query="quartz-owl scanners in the cold")
    assert not any("quartz-owl" in i["passage"] for i in again["items"])
    held = tessera.vector_memory.collection.get(where_document={"$contains": "quartz-owl"}, include=[])
    assert held["ids"] == []  # gone from vector memory too, not only hidden


def test_an_erased_persons_notes_are_gone_and_other_peoples_notes_stay(ptessera):
    for person, subject in (("陈静", "陈静 reported the label printer jams in cold mornings, ref glacier-fox"),
                            ("刘强", "刘强 asked for the spare battery price list, ref amber-lynx")):
        assert call(ptessera, "li.wei", "log_activity", account="北辰医疗器械", kind="call", contact=person,
                    subject=subject)["ok"]
    both = call(ptessera, "li.wei", "search_notes", notes=ptessera.notes, query="printer jams and battery prices",
                account="北辰医疗器械")
    assert {"glacier-fox", "amber-lynx"} <= {ref for i in both["items"] for ref in ("glacier-fox", "amber-lynx")
                                            if ref in i["passage"]}
    kept = ptessera.vector_memory.collection.get(where_document={"$contains": "amber-lynx"},
                                                 include=["documents", "embeddings"])
    assert call(ptessera, "cust.chen.jing", "erase_my_data", what="我的全部数据")["ok"]
    ptessera.erasures.drain()
    ptessera.notes.index_recent(account_id=kept_account(ptessera))  # the erasure's changes, through the log
    after = call(ptessera, "li.wei", "search_notes", notes=ptessera.notes, query="printer jams and battery prices",
                 account="北辰医疗器械")
    assert not any("glacier-fox" in i["passage"] for i in after["items"])
    assert ptessera.vector_memory.collection.get(where_document={"$contains": "glacier-fox"}, include=[])["ids"] == []
    still = ptessera.vector_memory.collection.get(ids=kept["ids"], include=["documents", "embeddings"])
    assert still["documents"] == kept["documents"] and [list(v) for v in still["embeddings"]] == \
        [list(v) for v in kept["embeddings"]]


def kept_account(app) -> int:
    from crm.models import Account

    with app.store.session() as s:
        return s.scalar(select(Account.id).where(Account.name == "北辰医疗器械"))
