"""Demo accounts and their contacts, and the customers who log in as one of those contacts."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from crm.models import Account, Contact, User
from crm.seed.world import DemoWorld, insert_rows, language_of

ACCOUNTS = 300
CUSTOMERS = 10
FOCUS_SHARE = 0.65  # how often a unit's account comes from the industries the unit focuses on
ENGLISH_SHARE = 0.35  # how many generated accounts carry an English name


def seed_accounts(session: Session, world: DemoWorld) -> None:
    """The anchor accounts first, then generated ones spread evenly over the units; 1-3 contacts each."""
    taken = {a["name"] for a in world.vocab["anchors"]}
    accounts = [_anchor_account(world, spec) for spec in world.vocab["anchors"]]
    units = list(world.units.values())
    for i in range(ACCOUNTS - len(accounts)):
        accounts.append(_generated_account(world, units[i % len(units)], taken))
    world.accounts = insert_rows(session, Account, accounts)
    contacts = []
    for account in accounts:
        if account["_anchor"]:
            contacts += [_anchor_contact(world, account, spec) for spec in account["_anchor"]["contacts"]]
        else:
            count = world.rng.choices((1, 2, 3), weights=(25, 40, 35))[0]
            contacts += [_generated_contact(world, account) for _ in range(count)]
    for contact in insert_rows(session, Contact, contacts):
        world.contacts.setdefault(contact["account_id"], []).append(contact)


def seed_customers(session: Session, world: DemoWorld) -> None:
    """Customer logins: the anchor contacts marked `customer`, then first contacts of other accounts that bought."""
    logins = set(world.users)
    rows = [_customer(world, c, c["_customer"]) for a in world.accounts for c in world.contacts[a["id"]]
            if c.get("_customer")]
    logins |= {r["login"] for r in rows}
    anchors = {a["id"] for a in world.accounts if a["_anchor"]}
    buyers = sorted({o["account_id"] for o in world.orders} - anchors)
    world.rng.shuffle(buyers)
    for account_id in buyers:
        if len(rows) >= CUSTOMERS:
            break
        contact = world.contacts[account_id][0]
        login = f"cust.{contact['_handle']}"
        if login not in logins:
            logins.add(login)
            rows.append(_customer(world, contact, login))
    world.add_users(insert_rows(session, User, rows))
    for row in rows:
        world.customers.setdefault(row["_contact"]["account_id"], []).append((row["id"], row["_contact"]))


def _customer(world: DemoWorld, contact: dict, login: str) -> dict:
    return {"tenant_id": world.tenant_id, "login": login, "display_name": contact["full_name"], "role": "customer",
            "unit_id": None, "language": contact["language"], "contact_id": contact["id"], "_unit": None,
            "_contact": contact}


def _anchor_account(world: DemoWorld, spec: dict) -> dict:
    language = language_of(spec["name"])
    return _account(world, world.units[spec["unit"]], spec["name"], spec["industry"], spec["city"][language],
                    world.users[spec["owner"]]["id"], language, domain="", anchor=spec, city=spec["city"])


def _generated_account(world: DemoWorld, unit: dict, taken: set[str]) -> dict:
    rng, vocab = world.rng, world.vocab
    while True:  # draw again on a name already taken
        industry = rng.choice(unit["_focus"] if rng.random() < FOCUS_SHARE else list(vocab["industries"]))
        words = vocab["industries"][industry]
        if rng.random() < ENGLISH_SHARE:
            language, prefix, suffix = "en", rng.choice(vocab["en_prefixes"]), rng.choice(words["en"])
            name, domain = f"{prefix} {suffix}", f"{prefix}-{suffix}".lower().replace(" ", "") + ".com"
        else:
            (prefix, romanised), (suffix, slug) = (rng.choice(list(vocab["zh_prefixes"].items())),
                                                   rng.choice(list(words["zh"].items())))
            language, name, domain = "zh", prefix + suffix, f"{romanised}-{slug}.cn"
        if name not in taken:
            taken.add(name)
            break
    city = rng.choice(vocab["regions"][unit["region"]]["cities"])
    owner = rng.choice(world.reps[unit["code"]])
    return _account(world, unit, name, industry, city[language], owner, language, domain=domain, anchor=None,
                    city=city)


def _account(world: DemoWorld, unit: dict, name: str, industry: str, city_name: str, owner_id: int, language: str,
             *, domain: str, anchor: dict | None, city: dict) -> dict:
    since = world.today - dt.timedelta(days=world.rng.randint(760, 1800))  # before the two years of deals
    return {"tenant_id": world.tenant_id, "unit_id": unit["id"], "owner_id": owner_id, "name": name,
            "industry": industry, "region": unit["region"], "city": city_name, "created_at": world.moment(since),
            "_unit": unit["code"], "_language": language, "_domain": domain, "_anchor": anchor, "_city": city}


def _anchor_contact(world: DemoWorld, account: dict, spec: dict) -> dict:
    language = language_of(spec["name"])
    return _contact(world, account, spec["name"], spec["email"].split("@")[0], spec["email"], spec["title"],
                    language, customer=spec.get("customer"))


def _generated_contact(world: DemoWorld, account: dict) -> dict:
    rng, vocab = world.rng, world.vocab
    chinese = rng.random() < (0.9 if account["_language"] == "zh" else 0.4)
    if chinese:
        (surname, s_py), (given, g_py) = rng.choice(list(vocab["surnames"].items())), rng.choice(
            list(vocab["given_names"].items()))
        full_name, handle = surname + given, f"{s_py}.{g_py}"
    else:
        first, last = rng.choice(vocab["first_names"]), rng.choice(vocab["last_names"])
        full_name, handle = f"{first} {last}", f"{first}.{last}".lower()
    language = "zh" if chinese else "en"
    title = rng.choice(vocab["titles"][language])
    return _contact(world, account, full_name, handle, f"{handle}@{account['_domain']}", title, language)


def _contact(world: DemoWorld, account: dict, full_name: str, handle: str, email: str, title: str, language: str,
             *, customer: str | None = None) -> dict:
    rng, phones = world.rng, world.vocab["phones"]
    local = language == "zh" or rng.random() < 0.5  # many foreign staff in China carry a +86 number
    since = account["created_at"].date() + dt.timedelta(days=rng.randint(0, 400))
    return {"account_id": account["id"], "full_name": full_name, "title": title, "email": email,
            "phone": world.digits(rng.choice(phones["zh" if local else "international"])),
            "city": account["_city"][language], "language": language, "created_at": world.moment(since),
            "_handle": handle, "_customer": customer}
