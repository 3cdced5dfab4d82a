"""A small store for the vector memory tests (embedding is slow: a handful of notes, not the 3,000 of the demo)."""
from __future__ import annotations

import datetime as dt
import threading

from crm.models import Account, Activity, Case, Contact, SalesUnit, Tenant, User
from crm.store import Store
from memory.note_index import NoteIndex
from memory.vector_memory import VectorMemory

WHEN = dt.datetime(2026, 11, 20, 10, 0)
# (account, contact, subject, body); Harbin Cold Chain is in the north unit, everything else in the east
NOTES = (
    ("Lakeside Logistics", "Mia Park", "Call about the handheld scanners",
     "Mia says the scanner batteries drain within an hour in the cold-storage hall."),
    ("Lakeside Logistics", "Tom Reyes", "Quote follow-up", "Tom wants the revised quote before Friday."),
    ("Orchard Foods", "Ana Silva", "Demo of the label printers", "Ana liked the printers; asked about lease terms."),
    ("Harbin Cold Chain", "Wang Lei", "Site visit in Harbin",
     "Wang Lei reported the scanners lose charge at minus twenty degrees in the freezer."),
)
CASE = ("Orchard Foods", "Ana Silva", "The invoice for order 17 does not match the contract.")


def small_company(store: Store) -> dict[str, int]:
    """Two units, a rep in each, three accounts with their contacts, four notes and a case. Returns ids by name."""
    ids: dict[str, int] = {}
    with store.session() as s:
        tenant = Tenant(name="Small Co")
        s.add(tenant)
        s.flush()
        for code in ("east", "north"):
            unit = SalesUnit(tenant_id=tenant.id, code=code, name=code.title(), region=code)
            s.add(unit)
            s.flush()
            ids[code] = unit.id
            rep = User(tenant_id=tenant.id, login=f"rep.{code}", display_name=f"Rep {code.title()}", role="rep",
                       unit_id=unit.id)
            s.add(rep)
            s.flush()
            ids[f"rep.{code}"] = rep.id
        for account_name, person, *_ in (*NOTES, CASE):
            if account_name not in ids:
                unit = "north" if account_name.startswith("Harbin") else "east"
                account = Account(tenant_id=tenant.id, unit_id=ids[unit], owner_id=ids[f"rep.{unit}"],
                                  name=account_name, industry="logistics", region=unit, city="-")
                s.add(account)
                s.flush()
                ids[account_name] = account.id
            if person not in ids:
                contact = Contact(account_id=ids[account_name], full_name=person, title="buyer", email="", phone="",
                                  city="-")
                s.add(contact)
                s.flush()
                ids[person] = contact.id
        for n, (account_name, person, subject, body) in enumerate(NOTES):
            unit = "north" if account_name.startswith("Harbin") else "east"
            s.add(Activity(account_id=ids[account_name], contact_id=ids[person], user_id=ids[f"rep.{unit}"],
                           kind="call", subject=subject, body=body, occurred_at=WHEN + dt.timedelta(hours=n)))
        account_name, person, text = CASE
        s.add(Case(account_id=ids[account_name], contact_id=ids[person], opened_by=ids["rep.east"], kind="complaint",
                   category="billing", priority="normal", status="open", description=text, classification={},
                   created_at=WHEN))
    return ids


def note_index(store: Store, chroma_dir, **kw) -> NoteIndex:
    from llm.offline.embedder import shared_e5

    return NoteIndex(store, VectorMemory(chroma_dir, e5=shared_e5), **kw)


def found_ids(index: NoteIndex, text: str, unit_ids: list[int] | None = None, k: int = 3) -> list[str]:
    return [hit["id"] for hit in index.search(text, unit_ids=unit_ids, k=k)]


def catch_up_together(workers) -> tuple[list[int], list[str]]:
    """Runs every worker's catch-up at once, each in its own thread; returns what each indexed and every passage
    embedded (by any of them), so a test can tell that each change was embedded exactly once."""
    embedded: list[str] = []
    for w in workers:
        w.memory.collection  # opened one after the other: Chroma's client cache is not safe to fill from two threads
        embed = w.memory.embed_passages
        w.memory.embed_passages = lambda texts, before_each=lambda: None, embed=embed: (
            embedded.extend(texts), embed(texts, before_each))[1]
    done: list[int] = []
    threads = [threading.Thread(target=lambda w=w: done.append(w.catch_up())) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return done, embedded
