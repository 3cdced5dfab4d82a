"""Opening a store whose audit chain is anchored: the signing key and heads file named by the settings."""
from __future__ import annotations

from crm.privacy import audit
from crm.privacy.anchor import ChainAnchor
from crm.store import Store
from tessera.settings import Settings


def chain_anchor(settings: Settings) -> ChainAnchor:
    return ChainAnchor(settings.audit_key_file, settings.audit_heads_file)


def anchor_store(store: Store, settings: Settings, *, seal: bool = True) -> ChainAnchor:
    """Sign every writing transaction's head from now on; `seal` also signs the head the store holds now, so
    that lines written by unanchored processes (a seed, an older version) are covered from the start."""
    found = chain_anchor(settings)
    audit.anchor(store.engine, found)
    if seal:
        with store.session() as s:
            audit.seal(s)
    return found
