"""The offline model's gazetteers, read from the store: the names of accounts, contacts, products and people."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import Account, Contact, Deal, Product, User
from crm.store import Store
from llm.offline.lexicon import EntityName, Lexicon


def load_lexicon(store: Store) -> Lexicon:
    with store.session() as s:
        accounts = [EntityName(name, ()) for name in s.scalars(select(Account.name))]
        contacts = [EntityName(name, ()) for name in s.scalars(select(Contact.full_name).distinct())]
        products = [EntityName(p.name, (p.name_zh, p.sku)) for p in s.scalars(select(Product))]
        users = [EntityName(u.display_name, (u.login,)) for u in s.scalars(select(User).where(User.role != "customer"))]
        deals = [EntityName(f"D-{i}", (f"D{i}", f"#{i}")) for i in s.scalars(select(Deal.id))]
    return Lexicon({"account": accounts, "contact": contacts, "product": products, "user": users, "deal": deals})
