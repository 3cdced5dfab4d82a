"""The store part of an erasure: which rows are the person's, by key, and which texts quote their values.

`store_changes(session, subject, apply=False)` only looks (the plan); `apply=True` makes the same changes.
Both walk the same code, so a plan counts exactly what the erasure then does.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Text, cast, delete, func, or_, select
from sqlalchemy.orm import Session

from crm.autonomy.models import ContractDecision, SharedAccount
from crm.identities import ApiToken, ChannelIdentity
from crm.models import Activity, Case, Contact, User, utcnow
from crm.privacy.directory import ERASED
from crm.privacy.erasure_subject import ErasureSubject
from crm.privacy.labels import personal_columns
from crm.privacy.models import FieldHistory, Provenance, VaultItem, VaultToken
from crm.privacy.taxonomy import Taxonomy, covers

FIELD_WORDS = {"full_name": "name", "title": "job title", "email": "e-mail", "phone": "phone", "city": "city"}
# Free texts other people's rows may quote the person in: (entity, text columns, JSON columns, the column naming
# the contact the row is about, the column naming its account).
TEXTS = ((Activity, ("subject", "body"), (), "contact_id", "account_id"),
         (Case, ("description",), ("classification",), "contact_id", "account_id"),
         (ContractDecision, ("note",), ("request", "reasons"), None, None),
         (SharedAccount, ("reason",), (), None, "account_id"))


@dataclass
class Change:
    what: str
    where: str
    count: int
    rows: list[str] = field(default_factory=list, repr=False)  # "activities#12": binds a plan to the data

    def public(self) -> dict:
        return {"what": self.what, "where": self.where, "count": self.count}


def store_changes(session: Session, subject: ErasureSubject, tax: Taxonomy, *, apply: bool) -> list[Change]:
    changes = [_contact_fields(session, subject, apply), _users(session, subject, apply),
               *_sign_ins(session, subject, apply)]
    changes += _keyed_rows(session, subject, tax, apply)
    changes += _own_texts(session, subject, apply)
    changes += _quoting_texts(session, subject, apply)
    return [c for c in changes if c.count]


def _contact_fields(session: Session, s: ErasureSubject, apply: bool) -> Change:
    contact = session.get(Contact, s.contact_id)
    columns = [c for c, lab in personal_columns(Contact.__table__).items() if covers(s.scope, lab.category)]
    held = [c for c in columns if contact is not None and getattr(contact, c) not in (None, "", ERASED)]
    if apply:
        for column in held:
            setattr(contact, column, ERASED)
    return Change("your " + ", ".join(FIELD_WORDS.get(c, c) for c in held), "contacts", len(held),
                  [f"contacts#{s.contact_id}.{c}" for c in held])


def _users(session: Session, s: ErasureSubject, apply: bool) -> Change:
    """The person's own login: the display name goes with user.name, the login with user.unique_id."""
    names, logins = covers(s.scope, "user.name"), covers(s.scope, "user.unique_id")
    rows = []
    for user in session.scalars(select(User).where(User.contact_id == s.contact_id)):
        if names and user.display_name != ERASED:
            rows.append(f"users#{user.id}.display_name")
            if apply:
                user.display_name = ERASED
        if logins and not user.login.startswith("erased-"):
            rows.append(f"users#{user.id}.login")
            if apply:
                user.login = f"erased-{user.id}"
    return Change("your sign-in (display name and login)" if logins else "your display name", "users", len(rows), rows)


def _sign_ins(session: Session, s: ErasureSubject, apply: bool) -> list[Change]:
    """With the login, every credential that speaks for it: API tokens are revoked (the hash stays, unusable) and
    Slack/WeCom/web links are removed, so no channel acts as the erased person again."""
    if not s.user_ids or not covers(s.scope, "user.unique_id"):
        return []
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id.in_(s.user_ids),
                                                    ApiToken.revoked_at.is_(None))).all()
    links = session.scalars(select(ChannelIdentity).where(ChannelIdentity.user_id.in_(s.user_ids))).all()
    if apply:
        for token in tokens:
            token.revoked_at = utcnow()
        for link in links:
            session.delete(link)
    return [Change("your API tokens (revoked)", "api_tokens", len(tokens), [f"api_tokens#{t.id}" for t in tokens]),
            Change("your Slack, WeCom and web sign-ins", "channel_identities", len(links),
                   [f"channel_identities#{c.id}" for c in links])]


def _keyed_rows(session: Session, s: ErasureSubject, tax: Taxonomy, apply: bool) -> list[Change]:
    """Rows that carry the person's contact id: field history, vault items, provenance, vault tokens."""
    columns = [f"contacts.{c}" for c, lab in personal_columns(Contact.__table__).items() if covers(s.scope, lab.category)]
    history = [h.id for h in session.scalars(select(FieldHistory).where(
        FieldHistory.contact_id == s.contact_id, FieldHistory.field.in_(columns)))]
    vault = [v.id for v in session.scalars(select(VaultItem).where(VaultItem.contact_id == s.contact_id))
             if covers(s.scope, v.category)]
    covered = [c for c in tax.categories if covers(s.scope, c)]
    provenance = [p.id for p in session.scalars(select(Provenance).where(
        Provenance.contact_id == s.contact_id, Provenance.category.in_(covered)))]
    tokens = [t.jti for t in session.scalars(select(VaultToken).where(VaultToken.contact_id == s.contact_id))
              if covers(s.scope, t.category)]
    if apply:
        for entity, key, ids in ((FieldHistory, FieldHistory.id, history), (VaultItem, VaultItem.id, vault),
                                 (Provenance, Provenance.id, provenance), (VaultToken, VaultToken.jti, tokens)):
            if ids:
                session.execute(delete(entity).where(key.in_(ids)))
    return [Change("earlier values you corrected", "privacy_field_history", len(history),
                   [f"privacy_field_history#{i}" for i in history]),
            Change("items in your data vault", "privacy_vault_items", len(vault), [f"privacy_vault_items#{i}" for i in vault]),
            Change("records of where your data came from", "privacy_provenance", len(provenance),
                   [f"privacy_provenance#{i}" for i in provenance]),
            Change("vault access tokens issued for your data", "privacy_vault_tokens", len(tokens),
                   [f"privacy_vault_tokens#{i}" for i in tokens])]


def _own_texts(session: Session, s: ErasureSubject, apply: bool) -> list[Change]:
    """Notes and cases that carry the person's contact id: their whole text goes when the scope covers
    interactions; otherwise only the person's values in them are rewritten."""
    out = []
    for entity, texts, blobs, about, _ in TEXTS[:2]:
        rows = session.scalars(select(entity).where(getattr(entity, about) == s.contact_id)).all()
        touched = []
        for row in rows:
            if s.interactions:
                if any(getattr(row, c) != ERASED for c in texts):
                    touched.append(row)
                    if apply:
                        for c in texts:
                            setattr(row, c, ERASED)
                        for c in blobs:
                            setattr(row, c, {"erased": True})
            elif _rewrite_row(row, texts, blobs, s, apply, about=s.contact_id, account_id=row.account_id):
                touched.append(row)
        what = f"the text of your {entity.__tablename__}" if s.interactions else f"your values in your {entity.__tablename__}"
        out.append(Change(what, entity.__tablename__, len(touched), [f"{entity.__tablename__}#{r.id}" for r in touched]))
    return out


def _quoting_texts(session: Session, s: ErasureSubject, apply: bool) -> list[Change]:
    """Other rows whose free text quotes one of the person's identifying values: only those values go."""
    needles, escaped = s.needles(), s.needles(json_escaped=True)
    if not needles:
        return []
    out = []
    for entity, texts, blobs, about, account in TEXTS:
        query = select(entity).where(or_(
            *[func.lower(getattr(entity, c)).contains(n, autoescape=True) for c in texts for n in needles],
            *[func.lower(cast(getattr(entity, c), Text)).contains(n, autoescape=True) for c in blobs for n in escaped]))
        if about is not None:
            query = query.where(or_(getattr(entity, about).is_(None), getattr(entity, about) != s.contact_id))
        touched = [row for row in session.scalars(query)
                   if _rewrite_row(row, texts, blobs, s, apply, about=getattr(row, about) if about else None,
                                   account_id=getattr(row, account) if account else None)]
        out.append(Change(f"mentions of you in other {entity.__tablename__}", entity.__tablename__, len(touched),
                          [f"{entity.__tablename__}#{r.id}" for r in touched]))
    return out


def _rewrite_row(row, texts, blobs, s: ErasureSubject, apply: bool, **where) -> bool:
    changed = False
    for c in (*texts, *blobs):
        new, n = s.rewrite_value(getattr(row, c), **where)
        if n:
            changed = True
            if apply:
                setattr(row, c, new)
    return changed

