"""THE policy decision point: may purpose P use category C of person X now? Every personal read asks here.

Order of the rules (each answer carries its reason, and every fresh decision is written to the audit log):
1. a purpose that is always allowed (answering the person's own rights request) under its legal basis;
2. a non-consent legal basis the schema declares for the category and that covers the purpose (contract,
   legal obligation) -- unless it is one a refusal overrides (legitimate interest: GDPR Art. 21);
3. opt-out wins: any live refusal on the category or a parent, for the purpose or a parent, denies;
4. a legitimate-interest basis that covers the purpose;
5. a live grant on the category or a parent, for the purpose or a parent;
6. otherwise denied: no consent (or it expired).
Decisions are cached per session (a tool call or turn); recording a consent clears the cache.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from crm.privacy import audit
from crm.privacy.labels import bases_by_category
from crm.privacy.models import ConsentRecord
from crm.privacy.taxonomy import CONSENT, Taxonomy, ancestors, covers, default_taxonomy

_CONSENTS = "privacy.consents"
_DECISIONS = "privacy.decisions"
_observers: list[list] = []
_listeners: list = []  # callables told of every fresh decision (the runtime counts refusals for its operators)


@dataclass(frozen=True)
class ConsentDecision:
    allowed: bool
    reason: str  # names the person by contact id only; callers add the name where they may show it
    basis: str | None  # consent, contract, legal_obligation, legitimate_interest, or None when denied
    contact_id: int
    category: str
    purpose: str
    refused_on: dt.date | None = None
    revoked: bool = False  # the refusal withdrew an earlier grant

    def __bool__(self) -> bool:
        return self.allowed


def decide(session: Session, subject_contact_id: int, category: str, purpose: str, now: dt.datetime, *,
           actor: str = "system", taxonomy: Taxonomy | None = None) -> ConsentDecision:
    """The one decision. Cached per session; fresh decisions are audited and shown to observers."""
    key = (subject_contact_id, category, purpose, now)
    cache = session.info.setdefault(_DECISIONS, {})
    if key in cache:
        decision = cache[key]
    else:
        decision = _decide(_consents(session, subject_contact_id), subject_contact_id, category, purpose, now,
                           taxonomy or default_taxonomy())
        cache[key] = decision
        audit.append(session, event="decision", actor=actor, at=now, contact_id=subject_contact_id,
                     category=category, purpose=purpose, allowed=decision.allowed, reason=decision.reason)
        for listener in _listeners:
            listener(decision)
    for seen in _observers:
        seen.append(decision)
    return decision


def would_allow(session: Session, subject_contact_id: int, category: str, purpose: str, now: dt.datetime, *,
                taxonomy: Taxonomy | None = None) -> ConsentDecision:
    """What `decide` would answer, by the same rules, without deciding: for telling the person what their data may
    be used for ("what do you use my phone number for?"). Reads no personal value, so nothing is audited."""
    return _decide(_consents(session, subject_contact_id), subject_contact_id, category, purpose, now,
                   taxonomy or default_taxonomy())


def prefetch(session: Session, contact_ids: Iterable[int]) -> None:
    """Load the consent histories of many people in one query (a list of contacts, a search result)."""
    held = session.info.setdefault(_CONSENTS, {})
    wanted = [c for c in set(contact_ids) if c not in held]
    if not wanted:
        return
    for c in wanted:
        held[c] = []
    for r in session.scalars(_CONSENTS_OF, {"ids": wanted}):
        held[r.contact_id].append(r)


# built once: a reply's or a list's consents are read at every turn, and an IN list is otherwise built each time
_CONSENTS_OF = (select(ConsentRecord).where(ConsentRecord.contact_id.in_(bindparam("ids", expanding=True)))
                .order_by(ConsentRecord.recorded_at, ConsentRecord.id))


def forget(session: Session, contact_id: int | None = None) -> None:
    """Drop cached consents and decisions (after a consent changes)."""
    if contact_id is None:
        session.info.pop(_CONSENTS, None)
    else:
        session.info.get(_CONSENTS, {}).pop(contact_id, None)
    session.info.pop(_DECISIONS, None)


def listen(listener) -> None:
    """Tell `listener(decision)` of every fresh decision from now on, in this process (registered once)."""
    if listener not in _listeners:
        _listeners.append(listener)


@contextmanager
def observe() -> Iterator[list[ConsentDecision]]:
    """Collect every decision made inside the block (cached ones too): tests prove reads went through here."""
    seen: list[ConsentDecision] = []
    _observers.append(seen)
    try:
        yield seen
    finally:
        _observers.remove(seen)


def _consents(session: Session, contact_id: int) -> list[ConsentRecord]:
    prefetch(session, [contact_id])
    return session.info[_CONSENTS][contact_id]


def _decide(records: list[ConsentRecord], contact_id: int, category: str, purpose: str, now: dt.datetime,
            tax: Taxonomy) -> ConsentDecision:
    def verdict(allowed: bool, reason: str, basis: str | None, **kw) -> ConsentDecision:
        return ConsentDecision(allowed, reason, basis, contact_id, category, purpose, **kw)

    what, use = tax.label(category), tax.label(purpose)
    if not tax.is_personal(category):
        return verdict(True, f"{category} is not personal data", None)
    for always, basis in tax.always_allowed.items():
        if covers(always, purpose):
            return verdict(True, f"'{use}' is allowed on every category under {basis} ({tax.bases[basis]['gdpr']})", basis)
    basis = next((bases_by_category().get(c) for c in ancestors(category) if bases_by_category().get(c)), None)
    if basis and tax.basis_covers(basis, purpose) and not tax.objection_wins(basis):
        return verdict(True, f"{what} is held under {basis} ({tax.bases[basis]['gdpr']}), which covers '{use}'", basis)
    live = _latest_per_pair(records, category, purpose, now)
    refusals = [r for r in live if not r.granted]
    if refusals:
        r = max(refusals, key=lambda r: r.recorded_at)
        revoked = any(g.granted and covers(r.category, g.category) and covers(r.purpose, g.purpose)
                      and g.recorded_at <= r.recorded_at for g in records)
        verb = "revoked" if revoked else "refused"
        return verdict(False, f"contact #{contact_id} {verb} '{tax.label(r.purpose)}' for {tax.label(r.category)} "
                              f"on {r.recorded_at.date().isoformat()} via {r.channel}", None,
                       refused_on=r.recorded_at.date(), revoked=revoked)
    if basis and tax.basis_covers(basis, purpose):
        return verdict(True, f"{what} is held under {basis} ({tax.bases[basis]['gdpr']}) for '{use}'; no objection recorded", basis)
    grants = [r for r in live if r.granted and (r.expires_at is None or r.expires_at > now)]
    if grants:
        g = max(grants, key=lambda r: r.recorded_at)
        until = f" until {g.expires_at.date().isoformat()}" if g.expires_at else ""
        return verdict(True, f"consent for '{tax.label(g.purpose)}' on {tax.label(g.category)} given "
                             f"{g.recorded_at.date().isoformat()} via {g.channel}{until}", CONSENT)
    expired = [r for r in live if r.granted]
    if expired:
        e = max(expired, key=lambda r: r.expires_at)
        return verdict(False, f"consent for '{tax.label(e.purpose)}' on {tax.label(e.category)} expired on "
                              f"{e.expires_at.date().isoformat()}", None)
    return verdict(False, f"no consent from contact #{contact_id} for '{use}' on {what}", None)


def _latest_per_pair(records: list[ConsentRecord], category: str, purpose: str, now: dt.datetime) -> list[ConsentRecord]:
    """The newest record (up to now) of each (category, purpose) pair that covers this question."""
    latest: dict[tuple[str, str], ConsentRecord] = {}
    for r in records:  # ordered by time
        if r.recorded_at <= now and covers(r.category, category) and covers(r.purpose, purpose):
            latest[(r.category, r.purpose)] = r
    return list(latest.values())


def refused_for_aggregate(session: Session, contact_ids: Iterable[int], category: str, purpose: str,
                          now: dt.datetime, *, actor: str = "system", taxonomy: Taxonomy | None = None) -> set[int]:
    """The people among `contact_ids` whose data `purpose` may not use for `category` (statistics leave their rows
    out). The same rules as `decide`, person by person; one audit line for the whole aggregate, naming no one."""
    tax = taxonomy or default_taxonomy()
    ids = sorted(set(contact_ids))
    prefetch(session, ids)
    held = session.info[_CONSENTS]
    refused = {c for c in ids if not _decide(held[c], c, category, purpose, now, tax).allowed}
    audit.append(session, event="decision", actor=actor, at=now, category=category, purpose=purpose, allowed=None,
                 reason=f"aggregate over {len(ids)} people: {len(refused)} left out (refused or no consent)",
                 details={"people": len(ids), "left_out": len(refused)})
    return refused
