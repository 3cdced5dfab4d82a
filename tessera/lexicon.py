"""The offline model's gazetteers, read from the store: per user, the names of the accounts, contacts and deals their
scope shows them (crm.services.lookup.visible_names), with the products and colleagues everyone may name."""
from __future__ import annotations

import threading

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from crm.actor import Actor
from crm.data_versions import versions
from crm.language import name_sides
from crm.autonomy.models import SharedAccount
from crm.models import Account, Contact, Deal, Product, SalesUnit, User
from crm.pinyin_names import latin_forms
from crm.services.lookup import visible_names
from crm.services.scope import scope_key
from crm.store import Store
from llm.offline.lexicon import EntityName, Lexicon, Relations

# The example utterances of the tools are unnamed with every name the store holds: an admin's view.
EVERY_UNIT = Actor(user_id=0, login="tessera", role="admin")
# Writes to these change what some scope names or links (a new contact, a deal closed, an account shared, a product
# or a colleague added).
NAMED = tuple(t.__tablename__ for t in (Account, Contact, Deal, SharedAccount, Product, User))


def stamp_of(session: Session | Connection) -> tuple[int, ...]:
    """The counters of the tables names come from (NAMED, in that order)."""
    return versions(session, NAMED)


def load_lexicon(store: Store, actor: Actor = EVERY_UNIT) -> Lexicon:
    """The names `actor` may see (every name by default)."""
    with store.session() as s:
        names, everyones = visible_names(s, actor), _everyones(s)
        theirs = set(s.scalars(select(Account.name))) - set(names.accounts)  # accounts: business names, not personal
    deals = [EntityName(f"D-{i}", (f"D{i}", f"#{i}")) for i in names.deal_ids]
    # A customer names products whole or not at all: "my data", "analytics", "销售跟进" are words about their data,
    # not the Data Migration Service, Analytics Cloud or AI 销售助手
    whole = ("unit", "product") if actor.role == "customer" else ("unit",)
    return Lexicon({"account": [EntityName(n, latin_forms(n)) for n in names.accounts],  # "Hongda" for 宏达机械
                    "contact": [EntityName(n) for n in names.contact_accounts], **everyones, "deal": deals},
                   Relations(contact_accounts=names.contact_accounts, open_deals=names.open_deals), whole_only=whole,
                   elsewhere={"account": [form for n in theirs for form in (n, *latin_forms(n))]})


def shared_lexicon(store: Store) -> Lexicon:
    """Only the names no scope hides (products, colleagues): what the model knows when a turn brings no user's names."""
    with store.session() as s:
        return Lexicon(_everyones(s))


def unit_aliases(code: str, name: str, region_names: tuple[str, ...] = ()) -> tuple[str, ...]:
    """How people name a sales unit: its code as it is ("east-smb") and with spaces ("east enterprise"), each side of "East Enterprise / 华东大客户部",
    the Chinese name without its 部 ("华东大客户"), and, inside one's own region, the name without its region
    (`region_names`, "North" / "华北"): "Public Sector", "中小企业部", "公共事业部". An English name left with one word
    ("Industry", "Retail") is a common word and is not one, but is with a unit's noun after it ("Retail unit"); an
    acronym ("SMB") is."""
    sides = list(dict.fromkeys(name_sides(name)))
    short = [s[:-1] for s in sides if s.endswith("部") and len(s) > 3]
    regionless = []
    for side in sides:
        for region in region_names:
            rest = side[len(region):].strip() if side.lower().startswith(region.lower()) else ""
            if rest and ((len(rest.split()) >= 2 or rest.isupper()) if rest.isascii() else rest.endswith("部") and len(rest) >= 3):
                regionless.append(rest)
            elif rest and rest.isascii():  # "the retail unit", "our industry team": the common word with a unit's noun
                regionless += [f"{rest} {noun}" for noun in ("unit", "team", "department", "division")]
    return tuple(dict.fromkeys([code, code.replace("-", " "), *sides, *short, *regionless]))  # "east-smb's pipeline"


def _region_names(region: str) -> tuple[str, ...]:
    """A region's names in the unit names ("north" → "North", "华北"), from the metric dimensions' region values."""
    from crm.metrics import default_catalog

    dim = default_catalog().dimensions.get("region")
    names = [region]
    if dim is not None and region in dim.values:
        names += [dim.value_label(region, lang).split()[0] for lang in ("en", "zh")]
    return tuple(dict.fromkeys(n for n in names if n))


class ScopedLexicons:
    """The lexicon each user's turns are read with, built once per scope (all reps of a unit share one) and read
    again when the counters of the named tables (crm/data_versions.py) have moved, whichever process wrote them, or
    after `clear()` (an erasure's bulk rename)."""

    def __init__(self, store: Store):
        self.store = store
        self._cache: dict[tuple, tuple[tuple[int, ...], Lexicon]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def for_actor(self, actor: Actor, session: Session | None = None, stamp: tuple[int, ...] | None = None) -> Lexicon:
        """`session`: one the caller has open (the turn's look-up of its user), to read the counters in; `stamp`: the
        counters of NAMED (`stamp_of`) when the caller has read them in that session already."""
        key = scope_key(actor)
        generation = self._generation
        if session is None:
            with self.store.session() as s:
                return self.for_actor(actor, s)
        if stamp is None:  # before the names: a write in between makes one reload too many, no more
            stamp = stamp_of(session)
        found = self.known(actor, stamp)
        if found is not None:
            return found
        lexicon = load_lexicon(self.store, actor)
        with self._lock:
            if generation == self._generation:  # no clear() came in while it was read: keep it
                self._cache[key] = (stamp, lexicon)
        return lexicon

    def known(self, actor: Actor, stamp: tuple[int, ...]) -> Lexicon | None:
        """The lexicon kept for `actor`'s scope if the counters still read `stamp` (None: read it with `for_actor`)."""
        found = self._cache.get(scope_key(actor))
        return found[1] if found is not None and found[0] == stamp else None

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._cache.clear()


def _everyones(session) -> dict[str, list[EntityName]]:
    return {"product": [EntityName(p.name, (p.name_zh, p.sku)) for p in session.scalars(select(Product))],
            "unit": [EntityName(u.code, unit_aliases(u.code, u.name, _region_names(u.region)))
                     for u in session.scalars(select(SalesUnit))],
            "user": [EntityName(u.display_name, (u.login,), spoken_names(u.login, u.display_name))
                     for u in session.scalars(select(User).where(User.role != "customer"))]}


def spoken_names(login: str, display_name: str) -> tuple[str, ...]:
    """How a colleague with a Chinese name is written in English, from the login's pinyin: "Wang Fang" and "Fang
    Wang" for wang.fang (王芳); matched whole only."""
    parts = login.split(".")
    if display_name.isascii() or len(parts) != 2 or not all(p.isalpha() for p in parts):
        return ()
    return (" ".join(parts), " ".join(reversed(parts)))
