"""Resolving what a user typed ("acme", "北辰") to one record, within what the actor may see."""
from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.account_weight import BIGGEST_CUSTOMER
from crm.actor import AccessDenied, Actor, Ambiguous, NotFound
from crm.language import name_sides
from crm.models import OPEN_STAGES, Account, Contact, Deal, Product, SalesUnit, User
from crm.pinyin_names import typed_as
from crm.services.scope import scoped, visible_unit_ids


@dataclass(frozen=True)
class VisibleNames:
    """The record names an actor may see and how the store links them: all a model may recognise in their messages
    and offer back (candidates, links), so nothing of another unit is ever named to them."""

    accounts: tuple[str, ...]
    contact_accounts: Mapping[str, tuple[str, ...]]  # a contact's name → the visible accounts they work at
    open_deals: Mapping[str, tuple[tuple[str, str, str], ...]]  # account → its open deals as (D-id, product, stage)
    deal_ids: tuple[int, ...]


def visible_names(session: Session, actor: Actor) -> VisibleNames:
    """The names of the accounts, contacts and deals in the actor's scope (the same rule every query here applies)."""
    accounts = session.scalars(scoped(select(Account.name), actor, Account.unit_id).order_by(Account.name)).all()
    employers: dict[str, set[str]] = {}
    people = scoped(select(Contact.full_name, Account.name).join(Account, Account.id == Contact.account_id),
                    actor, Account.unit_id)
    for person, account in session.execute(people):
        employers.setdefault(person, set()).add(account)
    deals = scoped(select(Deal.id, Deal.title, Deal.stage, Account.name).join(Account, Account.id == Deal.account_id),
                   actor, Deal.unit_id).order_by(Deal.id)
    deal_ids, open_deals = [], {}
    for deal_id, title, stage, account in session.execute(deals):
        deal_ids.append(deal_id)
        if stage in OPEN_STAGES:
            product = title.split(" · ", 1)[-1]  # titles read "<account> · <product>"
            open_deals.setdefault(account, []).append((f"D-{deal_id}", product, stage))
    return VisibleNames(tuple(accounts), {c: tuple(sorted(a)) for c, a in employers.items()},
                        {a: tuple(d) for a, d in open_deals.items()}, tuple(deal_ids))


def biggest_account(session: Session, actor: Actor) -> Account | None:
    """The account with the most won deal value among those the actor may see (the lower id on a tie)."""
    won = func.sum(Deal.amount)
    row = session.execute(scoped(select(Deal.account_id, won), actor, Deal.unit_id).where(Deal.stage == "won")
                          .group_by(Deal.account_id).order_by(won.desc(), Deal.account_id).limit(1)).first()
    return session.get(Account, row[0]) if row else None


def resolve_account(session: Session, actor: Actor, name: str) -> Account:
    text = name.strip()
    if not text:
        raise NotFound("no account name was given", kind="no_name_given", what="account")
    if BIGGEST_CUSTOMER.fullmatch(text):
        biggest = biggest_account(session, actor)
        if biggest is not None:
            return biggest
    base = scoped(select(Account), actor, Account.unit_id)
    exact = session.scalars(base.where(func.lower(Account.name) == text.lower())).all()
    if len(exact) == 1:
        return exact[0]
    partial = session.scalars(base.where(Account.name.ilike(f"%{_escape(text)}%", escape="\\")).limit(8)).all()
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise Ambiguous("accounts", text, [a.name for a in partial])
    latin = latin_named(session, actor, text)  # "Hongda" for 宏达机械
    if len(latin) == 1:
        return latin[0]
    if latin:
        raise Ambiguous("accounts", text, [a.name for a in latin])
    close = close_account_names(session, actor, text)
    if close:
        raise NotFound(f"no account matching '{text}' among the accounts you can see; close ones: {', '.join(close)}",
                       kind="not_among_yours_close", what="account", name=text, close=close)
    raise NotFound(f"no account matching '{text}' among the accounts you can see", kind="not_among_yours", what="account",
                   name=text)


def latin_named(session: Session, actor: Actor, text: str) -> list[Account]:
    """The actor's accounts with a Chinese name that `text` writes in pinyin ("Hongda", "zhenghe nengyuan")."""
    if not text.isascii() or not any(ch.isalpha() for ch in text):
        return []
    accounts = session.scalars(scoped(select(Account), actor, Account.unit_id)).all()
    return [a for a in accounts if typed_as(text, a.name)][:8]


def close_account_names(session: Session, actor: Actor, text: str, most: int = 3) -> list[str]:
    """Names of the actor's own accounts spelled like `text` ("Acme Robotix" → Acme Robotics): only names in their
    scope, so a close match never names another unit's account."""
    names = session.scalars(scoped(select(Account.name), actor, Account.unit_id)).all()
    by_lower = {n.lower(): n for n in names}
    return [by_lower[n] for n in difflib.get_close_matches(text.lower(), list(by_lower), n=most, cutoff=0.8)]


def resolve_deal(session: Session, actor: Actor, ref: str, account: Account | None = None) -> Deal:
    """A deal by id ("D-1042", "1042") or by words of its title, optionally within one account."""
    text = ref.strip()
    base = scoped(select(Deal), actor, Deal.unit_id)
    if account is not None:
        base = base.where(Deal.account_id == account.id)
    digits = text.upper().removeprefix("D-").removeprefix("#")
    if digits.isdigit():
        deal = session.scalar(base.where(Deal.id == int(digits)))
        if deal is None:
            raise NotFound(f"no deal D-{digits} among the deals you can see", kind="not_among_yours", what="deal",
                           name=f"D-{digits}")
        return deal
    matches = session.scalars(base.where(Deal.title.ilike(f"%{_escape(text)}%", escape="\\")).limit(8)).all()
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise Ambiguous("deals", text, [f"D-{d.id} {d.title} ({d.stage})" for d in matches])
    raise NotFound(f"no deal matching '{text}' among the deals you can see", kind="not_among_yours", what="deal",
                   name=text)


# An owner given as one of these words is the caller: "my deals", "deals of mine", "我的商机", "my accounts".
OWN = frozenset({"me", "mine", "myself", "我", "我自己"})


def owner_named(session: Session, actor: Actor, owner: str) -> User:
    """The colleague a list's owner names: the caller for "me" (`OWN`), else the one user the name matches."""
    return session.get(User, actor.user_id) if owner.strip().lower() in OWN else resolve_user(session, owner)


def refuse_other_units_owner(session: Session, actor: Actor, owner: User, records: str) -> None:
    """No deal or account of a colleague in another unit is in sight: "not yours to see" is the truth, not "none"
    (a deal of theirs on an account shared with the asker's unit is shown as any other). `records`: deals | accounts."""
    units = visible_unit_ids(actor)
    if units is None or owner.unit_id in units:
        return
    unit = session.get(SalesUnit, owner.unit_id) if owner.unit_id else None
    en, zh = name_sides(unit.name if unit else "no sales unit / 无销售单元")
    if records == "accounts":
        raise AccessDenied(f"{owner.display_name} works in another sales unit ({en}); you see your own unit's accounts",
                           kind="owner_other_unit_accounts", name=owner.display_name, unit=en, unit_zh=zh)
    raise AccessDenied(f"{owner.display_name} works in another sales unit ({en}); you see your own unit's deals "
                       "and those of accounts shared with it", kind="owner_other_unit", name=owner.display_name,
                       unit=en, unit_zh=zh)


def resolve_user(session: Session, name: str) -> User:
    text = name.strip()
    found = session.scalars(
        select(User).where((func.lower(User.login) == text.lower()) | (User.display_name == text))
    ).all()
    if len(found) == 1:
        return found[0]
    partial = session.scalars(select(User).where(User.display_name.ilike(f"%{_escape(text)}%", escape="\\")).limit(8)).all()
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise Ambiguous("people", text, [u.display_name for u in partial])
    raise NotFound(f"no colleague named '{text}'", kind="no_such_record", what="user", name=text)


def resolve_product(session: Session, name: str) -> Product:
    text = name.strip()
    found = session.scalars(
        select(Product).where(
            Product.name.ilike(f"%{_escape(text)}%", escape="\\") | Product.name_zh.contains(text) | (Product.sku == text.upper())
        )
    ).all()
    if len(found) == 1:
        return found[0]
    if found:
        raise Ambiguous("products", text, [p.name for p in found])
    raise NotFound(f"no product matching '{text}'", kind="no_such_record", what="product", name=text)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
