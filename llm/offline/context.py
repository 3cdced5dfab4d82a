"""Names carried over from earlier turns: "add a note on them" right after a summary of Acme means Acme."""
from __future__ import annotations

import json
import re

from llm.offline.arguments import Filled, Filling
from llm.offline.lexicon import Lexicon, Match
from llm.offline.messages import Turn
from llm.offline.schema import ToolView, coerce

# Words that point back at something already named. Optional arguments are carried over only with one of
# them ("show their deals"); a missing required one ("log a call") is looked up in any case.
POINTING_BACK = re.compile(
    r"\b(?:them|their|they|it|its|there|that (?:account|customer|company|deal|one)|this (?:account|customer|"
    r"company|deal|one)|the same (?:account|customer|deal))\b|他们|她们|它们|这家|那家|该客户|这个客户|那个客户|"
    r"那边|这边|他家|对方|这个单子|那个单子|这单|该商机|这个商机|那个商机|他们家"
    # the request just made ("was that discount approved?", "那个折扣批了吗"): the deal it was for
    r"|\b(?:that|this|the same|my last) (?:discount|request|quote)\b|(?:那个|这个|刚才的|刚才那个|刚申请的)(?:折扣|申请|报价)", re.I)


# A customer pointed at ("their company", "they", "他们", "对方"): with no customer named before, a write asks which.
POINTS_AT_A_CUSTOMER = re.compile(
    r"\b(?:them|their|theirs|they|they'?re|they'?ve|that (?:account|customer|company|client)|"
    r"this (?:account|customer|company|client)|the (?:customer|client)'?s?)\b"
    r"|他们|她们|这家|那家|该客户|这个客户|那个客户|那边|他家|对方|客户那边|客户的", re.I)
# Tools a member of staff uses to name any account of theirs; a customer's own tools have none (their "they" is us).
_PICKS_ACCOUNTS = "find_accounts"


def carry_over(view: ToolView, filling: Filling, text: str, history: list[Turn], views: list[ToolView],
               lexicon: Lexicon) -> None:
    """Fill missing entity arguments of `view` with the latest name of that kind in `history`; a write pointing at
    a customer no turn has named asks which account."""
    pointing = bool(POINTING_BACK.search(text))
    _points_at_nobody(view, filling, text, history, views, lexicon)
    for p in view.params:
        if not p.entity or p.name in filling.args or any(a[0].name == p.name for a in filling.ambiguous):
            continue
        referred = from_results(p.entity, text, history)
        if len(referred) == 1:
            filling.args[p.name] = coerce(p, referred[0])
            filling.filled.append(Filled(p.name, filling.args[p.name], "the earlier results", "context"))
            filling.missing = [m for m in filling.missing if m.name != p.name]
            continue
        if referred and (p.required or (pointing and _names_nothing_else(view, filling))):
            # "move it to won" after a list of three deals, "draft a follow-up to them" after three contacts:
            # ask which, by number
            said = POINTING_BACK.search(text) or _ORDINAL_IN_TEXT.search(text)
            surface = said.group(0) if said else text  # the question quotes "them", not the whole message
            filling.ambiguous.append((p, Match(p.entity, surface, 0, 0, tuple(referred), False)))
            filling.missing = [m for m in filling.missing if m.name != p.name]
            continue
        if not (p.required or pointing):
            continue
        found = latest_name(p.entity, history, views, lexicon)
        if found is None:
            continue
        value, source = found
        filling.args[p.name] = coerce(p, value)
        filling.filled.append(Filled(p.name, filling.args[p.name], source, "context"))
        filling.missing = [m for m in filling.missing if m.name != p.name]


def _names_nothing_else(view: ToolView, filling: Filling) -> bool:
    """No record of any kind is named yet: "them" is then the records just listed ("log a call with Acme about it"
    names the account, and "it" is not a contact of the list before)."""
    return not any(p.entity and p.name in filling.args for p in view.params)


def _points_at_nobody(view: ToolView, filling: Filling, text: str, history: list[Turn], views: list[ToolView],
                      lexicon: Lexicon) -> None:
    """"set up a follow-up with the buyer at their company", "open a case: their gateway keeps failing" as the first
    request: "their" is a customer never named, so the account is asked for rather than the write made without it."""
    account = next((p for p in view.params if p.entity == "account"), None)
    if (account is None or not view.writes or account.name in filling.args
            or any(a[0].name == account.name for a in filling.ambiguous) or any(m.name == account.name for m in filling.missing)
            or not any(v.name == _PICKS_ACCOUNTS for v in views) or not POINTS_AT_A_CUSTOMER.search(text)):
        return
    entity_params = {p.name for p in view.params if p.entity}
    if any(f.name in entity_params for f in filling.filled) or any(a[0].name in entity_params for a in filling.ambiguous):
        return  # a contact or deal named is whom "they" are
    if from_results("account", text, history) or latest_name("account", history, views, lexicon):
        return  # carried over below
    filling.missing.append(account)
    filling.pointed.append(account)


# "the second one", "第二个": an ordinal inside a longer request ("log a call with the second one").
_ORDINAL_IN_TEXT = re.compile(
    r"\b(?:the\s+)?(first|second|third|fourth|fifth|last)\s+(?:one|deal|contact|account|person|guy|item)\b"
    r"|第([一二三四五1-5])(?:个|位|家|条|单)", re.I)
_ORDINAL_VALUE = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1,
                  "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
# Where each kind of record sits in a tool result's items.
_ITEM_KEYS = {"deal": ("deal", "商机"), "contact": ("name", "contact"), "account": ("account",)}


def deal_by_ordinal(text: str, history: list[Turn]) -> str | None:
    """The deal "the first one" / "第二个" points at among the deals just listed ("why is the first one at risk?"
    after the deals at risk), or None."""
    if ordinal_in(text) is None:
        return None
    referred = from_results("deal", text, history)
    return referred[0] if len(referred) == 1 else None


def ordinal_in(text: str) -> int | None:
    m = _ORDINAL_IN_TEXT.search(text)
    if not m:
        return None
    word = (m.group(1) or m.group(2)).lower()
    return _ORDINAL_VALUE.get(word) or (int(word) if word.isdigit() else None)


def from_results(kind: str, text: str, history: list[Turn]) -> list[str]:
    """Records of `kind` that "the second one" / "that deal" / "它" point at in the latest tool result that
    lists such records: the one named by the ordinal, or every one listed (the caller asks when several)."""
    n = ordinal_in(text)
    if n is None and not POINTING_BACK.search(text):
        return []
    for turn in reversed(history):
        if turn.role != "tool":
            continue
        items = _items(turn.text)
        values = [str(v) for item in items for v in [next((item.get(k) for k in _ITEM_KEYS.get(kind, ())
                                                              if item.get(k)), None)] if v]
        if not values:
            continue
        if n is not None:
            return [values[-1]] if n == -1 else ([values[n - 1]] if n <= len(values) else [])
        return list(dict.fromkeys(values))
    return []


def items_of(text: str) -> list[dict]:
    """The items a tool result lists (its JSON's `items`), or none."""
    return _items(text)


def _items(text: str) -> list[dict]:
    try:
        data = json.loads(text or "")
    except (TypeError, ValueError):
        return []
    items = data.get("items") if isinstance(data, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def latest_name(kind: str, history: list[Turn], views: list[ToolView], lexicon: Lexicon) -> tuple[str, str] | None:
    """The most recent `kind` name: an argument of an earlier tool call, or a name in an earlier message."""
    params = {v.name: {p.name for p in v.params if p.entity == kind} for v in views}
    for turn in reversed(history):
        if turn.role == "assistant":
            for call in reversed(turn.tool_calls):
                args = _args(call.get("arguments"))
                for name in params.get(call.get("name"), {kind}):
                    value = args.get(name)
                    if isinstance(value, str) and value.strip():
                        return value, f"{call.get('name')}.{name} earlier"
        elif turn.role == "user":
            names = [m for m in lexicon.match(kind, turn.text) if not m.ambiguous]
            if names:
                return names[-1].canonical, f"'{names[-1].text}' earlier"
    return None


def _args(raw) -> dict:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
