"""The person an erasure is about: their keys (contact id, logins) and the identifying values to look for.

Ownership is decided by keys and provenance first; text is searched only for the person's own identifying
values (name, e-mail, phone, current and corrected), found as whole values by `identifiers.find_values`,
never for free-text subjects or bodies. A value another contact also holds (two people called 陈芳, one
shared switchboard number) is rewritten only where it can only mean this person: in their own rows, or on
their account when nobody else there holds it. Anything else is left alone and counted as kept.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Contact, User
from crm.privacy.directory import ERASED, Directory, directory
from crm.privacy.identifiers import (EMAIL, NAME, PHONE, Found, NameIndex, email_key, find_values, phone_digits,
                                     replace_spans, same_phone)
from crm.privacy.identifiers import _name_key as name_key
from crm.privacy.models import FieldHistory
from crm.privacy.romanize import latin_forms
from crm.privacy.taxonomy import covers

# Which contact column holds which kind of identifying value, and its category.
IDENTIFYING = {"full_name": (NAME, "user.name"), "email": (EMAIL, "user.contact.email"),
               "phone": (PHONE, "user.contact.phone_number")}
INTERACTIONS = "user.behavior.interaction"


@dataclass
class ErasureSubject:
    """What an erasure target needs: the person's keys, their identifying values and the scope."""

    contact_id: int
    account_id: int | None
    scope: str
    logins: list[str] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict, repr=False)  # kind -> values; never shown
    directory: Directory | None = field(default=None, repr=False)
    ambiguous: int = 0  # mentions left alone because another contact holds the same value

    @property
    def whole_person(self) -> bool:
        return self.scope == "user"

    @property
    def interactions(self) -> bool:
        """Whether the scope covers the person's interactions: then their own rows and threads go whole."""
        return covers(self.scope, INTERACTIONS)

    def owns_login(self, login: str | None) -> bool:
        return bool(login) and login in self.logins

    def erased_login(self, login: str) -> str:
        """What one of the person's logins becomes when the scope covers it ("erased-<user id>"); others stay."""
        if login in self.logins and covers(self.scope, "user.unique_id"):
            return f"erased-{self.user_ids[self.logins.index(login)]}"
        return login

    def mentions(self, text: str, *, about: int | None = None, account_id: int | None = None) -> list[Found]:
        """The spans of `text` that are this person's values. `about` is the contact the text is attached to,
        `account_id` the account it belongs to (both None for texts without such context: traces, threads)."""
        if not text or not any(self.values.values()):
            return []
        found = []
        for f in find_values(text, self.directory.names if self.directory else None):
            if not self._is_mine(f):
                continue
            others = (self.directory.owners(f) if self.directory else set()) - {self.contact_id}
            if others and not self._only_me_here(others, about, account_id):
                self.ambiguous += 1
                continue
            found.append(f)
        return found

    def rewrite(self, text: str, **where) -> tuple[str, int]:
        """`text` with this person's values replaced by the erased marker, and how many were replaced."""
        spans = self.mentions(text, **where)
        return (replace_spans(text, spans, lambda f: ERASED), len(spans)) if spans else (text, 0)

    def rewrite_value(self, value, **where) -> tuple[object, int]:
        """The same for JSON-like values (dicts, lists, strings), walked recursively."""
        if isinstance(value, str):
            return self.rewrite(value, **where)
        if isinstance(value, dict):
            out, n = {}, 0
            for k, v in value.items():
                out[k], m = self.rewrite_value(v, **where)
                n += m
            return (out, n) if n else (value, 0)
        if isinstance(value, (list, tuple)):
            parts = [self.rewrite_value(v, **where) for v in value]
            n = sum(m for _, m in parts)
            return (type(value)(p for p, _ in parts), n) if n else (value, 0)
        return value, 0

    def needles(self, *, json_escaped: bool = False) -> list[str]:
        """Cheap pre-filters (lower-cased substrings) for the person's values, for SQL LIKE or Chroma's
        $contains; the recognizers then decide exactly. With `json_escaped`, also as JSON writes them."""
        found = {v.lower() for v in self.values.get(EMAIL, [])}
        found |= {max(v.split(), key=len).lower() for v in self.values.get(NAME, [])}
        found |= {phone_digits(v)[-4:] for v in self.values.get(PHONE, []) if len(phone_digits(v)) >= 7}
        if json_escaped:
            found |= {json.dumps(n)[1:-1] for n in found}
        return sorted(n for n in found if n)

    def _is_mine(self, f: Found) -> bool:
        if f.kind == NAME:
            return name_key(f.text) in {name_key(v) for v in self.values.get(NAME, [])}
        if f.kind == EMAIL:
            return email_key(f.text) in {email_key(v) for v in self.values.get(EMAIL, [])}
        if f.kind == PHONE:
            return any(same_phone(f.text, v) for v in self.values.get(PHONE, []))
        return False

    def _only_me_here(self, others: set[int], about: int | None, account_id: int | None) -> bool:
        if about is not None:
            return about == self.contact_id  # the row is the person's own; another's row means the other
        if account_id is None or account_id != self.account_id or self.directory is None:
            return False
        return not any(self.directory.account_of.get(o) == account_id for o in others)


def subject_for(session: Session, contact_id: int, scope: str) -> ErasureSubject:
    """The person's keys and the identifying values the scope covers (current values and corrected ones)."""
    contact = session.get(Contact, contact_id)
    users = session.scalars(select(User).where(User.contact_id == contact_id)).all()
    subject = ErasureSubject(contact_id=contact_id, account_id=contact.account_id if contact else None, scope=scope,
                             logins=[u.login for u in users], user_ids=[u.id for u in users],
                             directory=directory(session))
    history = session.scalars(select(FieldHistory).where(FieldHistory.contact_id == contact_id)).all()
    for column, (kind, category) in IDENTIFYING.items():
        if not covers(scope, category):
            continue
        found = [getattr(contact, column)] if contact is not None else []
        found += [v for h in history if h.field == f"contacts.{column}" for v in (h.old_value, h.new_value)]
        if kind == NAME:
            found += [u.display_name for u in users]
            found += [form for v in found if v for form in latin_forms(v)]  # "Chen Jing" in an English note
        subject.values[kind] = sorted({v for v in found if v and v != ERASED})
    _index_old_names(subject)
    return subject


def _index_old_names(subject: ErasureSubject) -> None:
    """Names the person held before a correction are theirs too: add them to the name index."""
    if subject.directory is None or not subject.values.get(NAME):
        return
    known = subject.directory.names.owners
    missing = [n for n in subject.values[NAME] if subject.contact_id not in known.get(name_key(n), set())]
    if missing:
        pairs = [(cid, k) for k, ids in known.items() for cid in ids] + [(subject.contact_id, n) for n in missing]
        subject.directory = Directory(NameIndex(pairs), subject.directory.emails, subject.directory.phones,
                                      subject.directory.phone_of, subject.directory.account_of)
