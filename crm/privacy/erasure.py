"""Erasure by identity: a plan first (what, where, how many, what is kept and why), then the erasure it describes.

What belongs to the person is decided from keys and provenance (their contact row, rows carrying their
contact id, their logins and sign-ins, vault items, field history, provenance) and from their own identifying
values found as whole values in text (`erasure_subject`). Free-text subjects are never search strings. Storage
the domain does not own (turn traces, paused requests, checkpoints, vector memory) is reached through registered
`ErasureTarget`s. SQLite files are compacted afterwards so no erased value survives in freed pages.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session

from crm.actor import Explained
from crm.models import utcnow
from crm.privacy import directory, erasure_claims, pdp, requests
from crm.privacy.erasure_store import store_changes
from crm.privacy.erasure_subject import ErasureSubject, subject_for
from crm.privacy.erasure_words import place_in
from crm.privacy.models import SubjectRequest
from crm.privacy.taxonomy import Taxonomy, covers, default_taxonomy
from crm.store import Store

ERASED = directory.ERASED


class ErasureTarget(Protocol):
    """Storage outside the CRM store that may hold the person's values: find and rewrite them.

    `count` looks only (for the plan); `erase` rewrites the person's values (or drops what is wholly theirs,
    such as their own conversation threads when the scope covers their interactions). Both return a count."""

    name: str

    def count(self, subject: ErasureSubject) -> int: ...

    def erase(self, subject: ErasureSubject) -> int: ...



class StoreErasureTarget:
    """An erasure target whose copies are rows of the CRM store (paused requests, the undo log): a subclass says in
    `_work` how it finds the person's values and, with `apply`, rewrites them; counting rolls back what it touched."""

    name: str

    def __init__(self, store: Store):
        self.store = store

    def count(self, subject: ErasureSubject) -> int:
        with self.store.session() as s:
            try:
                return self._work(s, subject, apply=False)
            finally:
                s.rollback()

    def erase(self, subject: ErasureSubject) -> int:
        with self.store.session() as s:
            return self._work(s, subject, apply=True)

    def _work(self, session: Session, subject: ErasureSubject, *, apply: bool) -> int:
        raise NotImplementedError

class PlanChanged(ValueError):
    """The data changed after the plan was shown: the person must look at the new plan."""


class UnclearRequest(Explained, ValueError):
    """The request does not say what to erase; the message asks (its `kind` words it in another language)."""


@dataclass
class ErasurePlan:
    contact_id: int
    scope: str
    scope_label: str
    summary: str
    changes: list[dict]
    kept: list[dict]
    affected: list[str]
    plan_id: str
    total: int

    def confirm_payload(self) -> dict:
        """The shape `ToolSpec.confirm` returns (brief, shared decision 2)."""
        return {"summary": self.summary, "changes": self.changes, "affected": self.affected,
                "undo": None, "kept": self.kept, "plan_id": self.plan_id, "scope": self.scope}

    def public(self) -> dict:
        return {"plan_id": self.plan_id, "scope": self.scope, "what": self.scope_label, "summary": self.summary,
                "changes": self.changes, "kept": self.kept, "affected": self.affected, "total": self.total,
                "undo": None}


# What is to stay in an erasure request ("delete everything except my order history", "除了购买记录，其他都删了",
# "删掉我的电话，邮箱保留"): the kept clause, cut from the words that say what to erase.
_KEPT = (re.compile(r"\b(?:except(?:\s+for)?|apart\s+from|other\s+than|excluding|aside\s+from|but\s+not|"
                    r"(?:but\s+)?(?:please\s+)?keep(?:ing)?|leave)\s+(?P<kept>[^,.;!?，。；！？]+)"),
         re.compile(r"(?:除了|除开)(?P<kept>[^，,。；;！!？?]{1,30}?)(?:以外|之外|外)?(?=[，,]|其他|其余|别的|都|全|$)"),
         re.compile(r"(?P<kept>[^，,。；;！!？?]{1,30}?)(?:要|请|就)?(?:保留|留着|不要删|别删|不用删|不删)"),
         re.compile(r"(?:保留|留着|留下)(?P<kept>[^，,。；;！!？?]{1,30})"))


def _kept_clause(lowered: str) -> tuple[str, str] | None:
    """(the words asking to erase, the words of what is to stay), or None when nothing is said to stay."""
    for pattern in _KEPT:
        found = pattern.search(lowered)
        if found:
            return lowered[:found.start()] + " " + lowered[found.end():], found.group("kept")
    return None


def scope_from_text(words: str | None, tax: Taxonomy | None = None) -> str:
    """The category an erasure request names. A narrower category always wins over "everything" words, two
    unrelated categories or no words at all are unclear: the caller asks instead of guessing everything. What is
    said to stay ("everything except my order history") is never what is erased: everything but one kind is no
    single erasure, so it is asked about."""
    tax = tax or default_taxonomy()
    lowered = (words or "").strip().lower()
    kept = _kept_clause(lowered)
    if kept is not None:
        erased_words, kept_words = kept
        staying = {key for key, entry in tax.categories.items() if key != "user" and key.startswith("user.")
                   for w in entry.get("words", []) if _says(kept_words, w)}
        if staying:
            try:
                scope = scope_from_text(erased_words, tax)
            except UnclearRequest:
                scope = "user"  # "除了购买记录，其他都删了": the rest, that is everything but what stays
            if scope != "user" and not any(covers(scope, c) for c in staying):
                return scope  # "delete my phone number, keep my email": the phone number
            shown = ", ".join(sorted(tax.label(c) for c in staying))
            raise UnclearRequest(f"you asked to keep your {shown}, and I erase everything or one kind of data at a "
                                 "time: which kind should I erase first?", kind="erase_except",
                                 kept="、".join(sorted(tax.label(c, "zh") for c in staying)))
    named = {key for key, entry in tax.categories.items() if key != "user" and key.startswith("user.")
             for w in entry.get("words", []) if _says(lowered, w)}
    named = {c for c in named if not any(o != c and covers(c, o) for o in named)}  # "phone number" over "phone"
    named = {c for c in named if not any(o != c and covers(o, c) for o in named)} or named
    if len(named) == 1:
        return named.pop()
    whole = _exactly_covering_parent(named, tax)
    if whole is not None:  # "电话和邮箱": phone and e-mail are all of the contact details, nothing more
        return whole
    if len(named) > 1:
        shown = " and ".join(tax.label(c) for c in sorted(named))
        raise UnclearRequest(f"you named {shown}: which one should I erase first? (one kind at a time, or say "
                             f"'everything')", kind="erase_which_first",
                             named=[tax.label(c, "zh") for c in sorted(named)])
    partial = any(_says(lowered, w) for w in tax.data.get("erase_partial_words", []))
    if not partial and any(_says(lowered, w) for w in tax.data.get("erase_everything_words", [])):
        return "user"  # "some of my data" names a part, not which: asked below, never everything
    kinds = ", ".join(tax.label(c) for c in ("user.behavior.purchase_history", "user.behavior.interaction",
                                             "user.contact.phone_number", "user.contact.email"))
    raise UnclearRequest(f"what should I erase: everything we hold about you, or one kind of data such as {kinds}?",
                         kind="erase_what")


def _exactly_covering_parent(named: set[str], tax: Taxonomy) -> str | None:
    """The category whose children are exactly the named ones (never `user` itself: that is "everything")."""
    parents = {c.rsplit(".", 1)[0] for c in named}
    if len(parents) != 1:
        return None
    parent = parents.pop()
    children = {c for c in tax.categories if c.rsplit(".", 1)[0] == parent and c != parent}
    return parent if parent != "user" and children == named else None


def _says(text: str, word: str) -> bool:
    w = word.lower()
    if re.search(r"[\u3400-\u9fff]", w):
        return w in text
    return re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", text) is not None


def plan_erasure(session: Session, contact_id: int, scope: str, *, targets: Iterable[ErasureTarget] = (),
                 lang: str = "en", tax: Taxonomy | None = None) -> ErasurePlan:
    """What erasing `scope` of the person would change, where and how many, and what is kept under which rule.
    Side-effect free: reads only (no audit line, no request)."""
    tax = tax or default_taxonomy()
    tax.require_category(scope)
    if not tax.is_personal(scope):
        raise ValueError(f"'{scope}' is not personal data")
    subject = subject_for(session, contact_id, scope)
    changes = store_changes(session, subject, tax, apply=False)
    outside = [(t.name, t.count(subject)) for t in targets]
    rows = sorted(r for c in changes for r in c.rows)
    digest = hashlib.sha256(json.dumps([contact_id, scope, rows, outside], ensure_ascii=False).encode()).hexdigest()
    listed = [{**c.public(), "what": place_in(c.what, lang)} for c in changes] + \
        [{"what": place_in(name, lang), "where": name, "count": n} for name, n in outside if n]
    total = sum(c["count"] for c in listed)
    label = tax.label(scope, lang)
    summary = (f"将删除您的{label}：{len(listed)} 个位置共 {total} 处；确认后才会执行，且无法撤销。" if lang == "zh" else
               f"Erase your {label}: {total} item(s) in {len(listed)} place(s). Nothing happens until you confirm; "
               f"it cannot be undone.")
    others = sum(c.count for c in changes if c.what.startswith("mentions of you"))
    affected = [f"contact #{contact_id}"] + ([f"{others} record(s) of other people that mention you: only your "
                                               f"values are replaced by {ERASED}"] if others else [])
    return ErasurePlan(contact_id, scope, label, summary, listed, kept_under_rules(scope, subject, tax, lang),
                       affected, digest[:16], total)


def kept_under_rules(scope: str, subject: ErasureSubject, tax: Taxonomy, lang: str = "en") -> list[dict]:
    kept = [{"what": rule["keeps"], "rule": rule["rule"]} for name, rule in tax.retention.items()
            if name != "orders" or covers(scope, "user.behavior.purchase_history")]
    if subject.ambiguous:
        kept.append({"what": f"{subject.ambiguous} mention(s) of a name, e-mail or phone that another contact also "
                             "holds, outside your own records", "rule": "they may be someone else's: never erased "
                                                                       "without proof they are yours"})
    if scope != "user":
        kept.append({"what": "everything else we hold about you", "rule": f"you asked to erase only your {tax.label(scope, lang)}"})
    return kept


class Eraser:
    """Plans and carries out erasure requests across the store and the registered targets."""

    def __init__(self, store: Store, *, targets: Iterable[ErasureTarget] = (), after: list[Callable[[], None]] | None = None,
                 taxonomy: Taxonomy | None = None):
        self.store, self.targets = store, list(targets)
        self.after = after or []  # e.g. the runtime's refresh_lexicon: names held in memory for the model
        self.taxonomy = taxonomy or default_taxonomy()
        self.worker = erasure_claims.worker_name()  # how this process's claims on queued requests name it
        self._lock = threading.Lock()

    def register(self, target: ErasureTarget) -> None:
        self.targets.append(target)

    def plan(self, contact_id: int, scope: str, *, lang: str = "en") -> ErasurePlan:
        with self.store.session() as s:
            try:
                return plan_erasure(s, contact_id, scope, targets=self.targets, lang=lang, tax=self.taxonomy)
            finally:
                s.rollback()

    def erase(self, contact_id: int, *, scope: str, now: dt.datetime, by: str, channel: str,
              plan_id: str | None = None) -> dict:
        """Open a request and carry it out now. With `plan_id`, refuse when the data changed since that plan."""
        return self.carry_out(self.accept(contact_id, scope=scope, now=now, by=by, channel=channel, plan_id=plan_id,
                                          claim=True), now=now, by=by)

    def accept(self, contact_id: int, *, scope: str, now: dt.datetime, by: str, channel: str,
               plan_id: str | None = None, claim: bool = False) -> int:
        """Record a confirmed request (verified: the person is signed in); the id to carry out or queue. With
        `claim`, this process holds it from the start (it carries it out now; no queue worker takes it)."""
        self.taxonomy.require_category(scope)
        if plan_id is not None:
            current = self.plan(contact_id, scope).plan_id
            if current != plan_id:
                raise PlanChanged(f"your data changed since plan {plan_id} was shown (now {current}); "
                                  "look at the new plan and confirm it")
        with self.store.session() as s:
            req = requests.open_request(s, contact_id=contact_id, kind="erase", scope=scope, channel=channel, now=now,
                                        by=by)
            if plan_id:
                req.steps = [*req.steps, {"status": "verified", "at": now.replace(tzinfo=None).isoformat(),
                                          "note": f"confirmed plan {plan_id}"}]
            if claim:
                req.claimed_by, req.claimed_until = self.worker, utcnow() + erasure_claims.LEASE
            return req.id

    def carry_out(self, request_id: int, *, now: dt.datetime, by: str) -> dict:
        """Run a verified erasure request to the end: store, registered targets, file compaction. One at a time
        per process, under this process's claim on it (taken here if free, renewed while it runs); a request
        another live worker holds is reported as running there, and one already done is reported, not run again."""
        with self._lock:
            if not erasure_claims.claim(self.store, request_id, self.worker):
                with self.store.session() as s:
                    req = s.get(SubjectRequest, request_id)
                    if req is None or req.kind != "erase" or req.status in ("done", "refused"):
                        return self._carry_out(request_id, now=now, by=by)  # refused or reported as it is
                    return {"request": request_id, "scope": req.scope, "status": "running elsewhere",
                            "worker": req.claimed_by, "erased": {}, "kept": []}
            with erasure_claims.renewed(self.store, request_id, self.worker):
                return self._carry_out(request_id, now=now, by=by)

    def claim_next(self, skip: Collection[int] = ()) -> int | None:
        """Claim the oldest queued erasure no live worker holds (see crm/privacy/erasure_claims.py)."""
        return erasure_claims.claim_next(self.store, self.worker, skip=skip)

    def release(self, request_id: int) -> None:
        """Give back this process's claim: the request is left for any worker (it waits for a turn, or failed)."""
        erasure_claims.release(self.store, request_id, self.worker)

    def _carry_out(self, request_id: int, *, now: dt.datetime, by: str) -> dict:
        with self.store.session() as s:
            req = s.get(SubjectRequest, request_id)
            if req is None or req.kind != "erase":
                raise ValueError(f"no erasure request {request_id}")
            if req.status in ("done", "refused"):
                return {"request": request_id, "scope": req.scope, "status": req.status, "erased": {}, "kept": []}
            if req.status == "verified":
                requests.move(s, req, "in_progress", now=now, by=by)
            scope, contact_id = req.scope, req.contact_id
            if s.get_bind().dialect.name == "sqlite":
                s.execute(text("PRAGMA secure_delete=ON"))  # overwrite deleted cells instead of freeing them
            subject = subject_for(s, contact_id, scope)
            erased = {c.what: c.count for c in store_changes(s, subject, self.taxonomy, apply=True) if c.count}
            pdp.forget(s, contact_id)
            directory.forget(s)
        for target in self.targets:
            erased[target.name] = target.erase(subject)
        self._compact_store()
        kept = kept_under_rules(scope, subject, self.taxonomy)
        with self.store.session() as s:
            requests.finish(s, s.get(SubjectRequest, request_id), now=now, by=by,
                            note="erased: " + ", ".join(f"{k} {v}" for k, v in erased.items() if v))
        for hook in self.after:
            hook()
        return {"request": request_id, "scope": scope, "erased": {k: v for k, v in erased.items() if v}, "kept": kept}

    def pending(self) -> list[int]:
        """Accepted erasures not yet finished (queued in chat, or cut short by a crash), oldest first."""
        with self.store.session() as s:
            return [r.id for r in requests.pending_erasures(s)]

    def _compact_store(self) -> None:
        if self.store.engine.dialect.name != "sqlite":
            return  # PostgreSQL: dead tuples go at the next (auto)vacuum
        with self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            conn.execute(text("VACUUM"))
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))

