"""Arguments the store implies: a contact names the account they work at, and an account names its open deal.

"Just got off the phone with Hannah Brown" needs no "which account?": Hannah Brown works at one account. "Move
the Northwind deal to negotiation" needs no free-text guess: Northwind's open deals are the candidates, asked
for by number when there are several, taken when there is one."""
from __future__ import annotations

from llm.offline.arguments import Filled, Filling
from llm.offline.lexicon import Lexicon, Match
from llm.offline.reading import Reading
from llm.offline.schema import Param, ToolView, coerce


def link(view: ToolView, filling: Filling, reading: Reading, lexicon: Lexicon) -> None:
    """Fill `view`'s missing account from a named contact, then its missing deal from the account(s) named."""
    relations = lexicon.relations
    account = _param(view, "account")
    takes_contact = _param(view, "contact") is not None
    if account is not None and not _settled(filling, account) and (takes_contact or account.required):
        contacts = [m for m in reading.entities("contact") if not m.ambiguous]
        employers = sorted({a for m in contacts for a in relations.contact_accounts.get(m.canonical or "", ())})
        if len(employers) == 1:
            _fill(filling, account, employers[0], contacts[0].text)
        elif len(employers) > 1 and account.required:
            mention = contacts[0]
            filling.ambiguous.append((account, Match("account", mention.text, mention.start, mention.end,
                                                     tuple(employers), False)))
            filling.missing = [p for p in filling.missing if p.name != account.name]
    deal = _param(view, "deal")
    if deal is None or not deal.required:  # a reminder may name a deal; it need not
        return
    products = _product_names(reading, lexicon)
    said = filling.args.get(deal.name)
    if said is not None and not (isinstance(said, str) and said.lower() in products):
        return  # an id, or words of a title: the tool resolves those
    accounts = _accounts_named(view, filling, reading, relations.contact_accounts)
    if not accounts:
        return
    deals = [d for a in accounts for d in relations.open_deals.get(a, ())]
    if products:
        deals = [d for d in deals if d[1].lower() in products] or ([] if said is not None else deals)
    if not deals or (said is not None and len(deals) > 1):
        return
    filling.ambiguous = [a for a in filling.ambiguous if a[0].name not in (deal.name, "account")]
    filling.missing = [p for p in filling.missing if p.name != deal.name]
    if len(deals) == 1:
        _fill(filling, deal, deals[0][0], f"the open deal of {accounts[0]}")
        return
    labels = tuple(f"{d[0]} {d[1]} ({d[2]})" for d in deals)
    where = next((m for m in reading.entities("account")), None)
    mention = where.text if where else accounts[0]
    filling.ambiguous.insert(0, (deal, Match("deal", mention, where.start if where else 0, where.end if where else 0,
                                             tuple(d[0] for d in deals), False, labels)))


def _accounts_named(view: ToolView, filling: Filling, reading: Reading,
                    employers: dict[str, tuple[str, ...]]) -> list[str]:
    account = _param(view, "account")
    if account is not None and isinstance(filling.args.get(account.name), str):
        return [filling.args[account.name]]
    named: list[str] = []
    for m in reading.entities("account"):
        named.extend(c for c in m.candidates if c not in named)
    for m in reading.entities("contact"):
        if m.canonical:
            named.extend(a for a in employers.get(m.canonical, ()) if a not in named)
    return named


def _product_names(reading: Reading, lexicon: Lexicon) -> set[str]:
    """Every way of writing the products named in the message (deal titles carry either language)."""
    names: set[str] = set()
    entries = {e.canonical: e for e in lexicon.entries.get("product", [])}
    named = [(m.start, m.end) for kind in ("account", "contact") for m in reading.entities(kind)]
    for m in reading.entities("product"):
        if any(m.start < end and start < m.end for start, end in named):
            continue  # "医疗" inside 北辰医疗器械 is the account's name, not a product
        for canonical in m.candidates:
            entry = entries.get(canonical)
            names |= {canonical.lower(), *(a.lower() for a in (entry.aliases if entry else ()))}
    return names


def _param(view: ToolView, entity: str) -> Param | None:
    return next((p for p in view.params if p.entity == entity), None)


def _settled(filling: Filling, param: Param) -> bool:
    return param.name in filling.args or any(a[0].name == param.name for a in filling.ambiguous)


def _fill(filling: Filling, param: Param, value: str, source: str) -> None:
    filling.args[param.name] = coerce(param, value)
    filling.filled.append(Filled(param.name, filling.args[param.name], source, "store"))
    filling.missing = [p for p in filling.missing if p.name != param.name]
    filling.ambiguous = [a for a in filling.ambiguous if a[0].name != param.name]
