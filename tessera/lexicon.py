"""The offline model's gazetteers, read from the store: the names of accounts, contacts, products and people."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import Account, Contact, Deal, Product, User
from crm.store import Store
from llm.offline.lexicon import EntityName, Lexicon, Relations

CLOSED = ("won", "lost")


def load_lexicon(store: Store) -> Lexicon:
    with store.session() as s:
        accounts = [EntityName(name, ()) for name in s.scalars(select(Account.name))]
        contacts = [EntityName(name, ()) for name in s.scalars(select(Contact.full_name).distinct())]
        products = [EntityName(p.name, (p.name_zh, p.sku)) for p in s.scalars(select(Product))]
        users = [EntityName(u.display_name, (u.login,)) for u in s.scalars(select(User).where(User.role != "customer"))]
        deals = [EntityName(f"D-{i}", (f"D{i}", f"#{i}")) for i in s.scalars(select(Deal.id))]
        employers: dict[str, set[str]] = {}
        for contact, account in s.execute(select(Contact.full_name, Account.name).join(
                Account, Account.id == Contact.account_id)):
            employers.setdefault(contact, set()).add(account)
        open_deals: dict[str, list[tuple[str, str, str]]] = {}
        rows = s.execute(select(Deal.id, Deal.title, Deal.stage, Account.name)
                         .join(Account, Account.id == Deal.account_id)
                         .where(Deal.stage.not_in(CLOSED)).order_by(Deal.id))
        for deal_id, title, stage, account in rows:
            product = title.split(" · ", 1)[-1]
            open_deals.setdefault(account, []).append((f"D-{deal_id}", product, stage))
    relations = Relations(contact_accounts={c: tuple(sorted(a)) for c, a in employers.items()},
                          open_deals={a: tuple(d) for a, d in open_deals.items()})
    return Lexicon({"account": accounts, "contact": contacts, "product": products, "user": users, "deal": deals},
                   relations)
