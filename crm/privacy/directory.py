"""Who a value found in text belongs to: every contact's name, e-mail and phone, loaded once per session."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

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


_built: dict[object, tuple[list[tuple], Directory]] = {}  # per database: the rows last built from, and the result
_built_lock = threading.Lock()


def directory(session: Session) -> Directory:
    """The directory for this session (a tool call or a turn): read at the first use, then reused. The rows are
    read every time (a change by any process shows at once); building from them, the costly part, is done again
    only when they differ from the rows the last directory of this database was built from."""
    if _KEY not in session.info:
        rows = [tuple(r) for r in session.execute(
            select(Contact.id, Contact.account_id, Contact.full_name, Contact.email, Contact.phone)
            .order_by(Contact.id))]
        where = str(session.get_bind().url)
        with _built_lock:
            last = _built.get(where)
        if last is not None and last[0] == rows:
            book = last[1]
        else:
            book = Directory.build(rows)
            with _built_lock:
                _built[where] = (rows, book)
        session.info[_KEY] = book
    return session.info[_KEY]


def forget(session: Session) -> None:
    session.info.pop(_KEY, None)
