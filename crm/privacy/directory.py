"""Who a value found in text belongs to: every contact's name, e-mail and phone, rebuilt when contacts change."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm import data_versions
from crm.models import Contact
from crm.privacy.identifiers import EMAIL, NAME, PHONE, Found, NameIndex, email_key, phone_digits, same_phone

ERASED = "[erased]"
_KEY = "privacy.directory"


@dataclass
class Directory:
    names: NameIndex
    emails: dict[str, set[int]] = field(default_factory=dict)
    phones: dict[str, set[int]] = field(default_factory=dict)  # last seven digits -> contacts (then compared whole)
    phone_of: dict[int, str] = field(default_factory=dict)
    account_of: dict[int, int] = field(default_factory=dict)

    @classmethod
    def build(cls, rows: list[tuple[int, int, str, str, str]]) -> "Directory":
        """From (contact id, account id, name, email, phone) rows; erased values are left out."""
        d = cls(NameIndex((cid, name) for cid, _, name, _, _ in rows if name and name != ERASED))
        for cid, account_id, _, email, phone in rows:
            d.account_of[cid] = account_id
            if email and email != ERASED:
                d.emails.setdefault(email_key(email), set()).add(cid)
            if phone and phone != ERASED and len(phone_digits(phone)) >= 7:
                d.phone_of[cid] = phone
                d.phones.setdefault(phone_digits(phone)[-7:], set()).add(cid)
        return d

    def owners(self, found: Found) -> set[int]:
        """The contacts holding this value (empty when it is nobody's known value)."""
        if found.kind == NAME:
            return set(found.owners)
        if found.kind == EMAIL:
            return set(self.emails.get(email_key(found.text), ()))
        if found.kind == PHONE:
            near = self.phones.get(phone_digits(found.text)[-7:], ())
            return {c for c in near if same_phone(self.phone_of[c], found.text)}
        return set()


_built: dict[object, tuple[int, Directory]] = {}  # per database: the contacts' version last built from, and the result
_built_lock = threading.Lock()


def directory(session: Session) -> Directory:
    """The directory for this session (a tool call or a turn): built at the first use, then reused. Across sessions
    of one database it is rebuilt only when the contacts table's counter (crm/data_versions.py) has moved, which any
    write of any process does; a session that wrote contacts itself reads its own rows."""
    if _KEY not in session.info:
        (version,) = data_versions.versions(session, ("contacts",))  # before the rows; flushes this session's writes
        if data_versions.wrote_in(session, "contacts"):  # its own uncommitted rows: for this session only
            session.info[_KEY] = Directory.build(_rows(session))
            return session.info[_KEY]
        where = str(session.get_bind().url)
        with _built_lock:
            last = _built.get(where)
        if last is not None and last[0] == version:
            book = last[1]
        else:
            book = Directory.build(_rows(session))
            with _built_lock:
                _built[where] = (version, book)
        session.info[_KEY] = book
    return session.info[_KEY]


def _rows(session: Session) -> list[tuple[int, int, str, str, str]]:
    return [tuple(r) for r in session.execute(
        select(Contact.id, Contact.account_id, Contact.full_name, Contact.email, Contact.phone).order_by(Contact.id))]


def forget(session: Session) -> None:
    """After a bulk change of contacts in this session: its next directory is read from its own rows."""
    session.info.pop(_KEY, None)
    data_versions.written(session, "contacts")
