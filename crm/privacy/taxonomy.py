"""The privacy taxonomy as data (taxonomy.yaml): categories, purposes, legal bases, token lifetimes, retention."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from crm.data_files import read_yaml

TAXONOMY_FILE = Path(__file__).with_name("taxonomy.yaml")
CONSENT = "consent"


def ancestors(key: str) -> list[str]:
    """The key and every parent, nearest first: 'user.contact.email' -> [it, 'user.contact', 'user']."""
    parts = key.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def covers(general: str, specific: str) -> bool:
    """A rule on `general` applies to `specific` (itself or a descendant)."""
    return specific == general or specific.startswith(general + ".")


@dataclass(frozen=True)
class TokenLifetime:
    seconds: int
    single_use: bool = False

    @property
    def delta(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.seconds)


class Taxonomy:
    """Read-only view of taxonomy.yaml; pass another dict to configure per tenant or in tests."""

    def __init__(self, data: dict):
        self.data = data
        self.categories: dict[str, dict] = data["data_categories"]
        self.purposes: dict[str, dict] = dict(data["purposes"])
        for party_id, party in data.get("third_parties", {}).items():
            self.purposes[f"third_party_sharing.{party_id}"] = {
                "label": {"en": f"sharing with {party['name']}", "zh": f"与{party['name']}共享"},
                "words": list(party.get("words", []))}
        self.bases: dict[str, dict] = data["legal_bases"]
        self.always_allowed: dict[str, str] = data.get("always_allowed", {})
        self.retention: dict[str, dict] = data.get("retention_rules", {})
        self.deadline = dt.timedelta(days=int(data.get("request_deadline_days", 30)))

    def require_category(self, key: str) -> str:
        if key not in self.categories:
            raise ValueError(f"unknown data category '{key}'; categories are {', '.join(sorted(self.categories))}")
        return key

    def require_purpose(self, key: str) -> str:
        if key not in self.purposes:
            raise ValueError(f"unknown purpose '{key}'; purposes are {', '.join(sorted(self.purposes))}")
        return key

    def label(self, key: str, lang: str = "en") -> str:
        entry = self.categories.get(key) or self.purposes.get(key) or {}
        names = entry.get("label", {})
        return names.get(lang) or names.get("en") or key

    def is_personal(self, category: str) -> bool:
        return covers("user", category)

    def sensitive(self, category: str) -> bool:
        return any(self.categories.get(a, {}).get("sensitive") for a in ancestors(category))

    def basis_covers(self, basis: str, purpose: str) -> bool:
        return any(covers(p, purpose) for p in self.bases.get(basis, {}).get("covers", []))

    def objection_wins(self, basis: str) -> bool:
        return bool(self.bases.get(basis, {}).get("objection_wins", True))

    def token_lifetime(self, category: str) -> TokenLifetime:
        table = self.data.get("token_lifetimes", {})
        for key in ancestors(category):
            if key in table:
                return TokenLifetime(int(table[key]["seconds"]), bool(table[key].get("single_use", False)))
        default = table.get("default", {"seconds": 3600})
        return TokenLifetime(int(default["seconds"]), bool(default.get("single_use", False)))

    def category_from_text(self, text: str) -> str | None:
        """The category whose words occur in `text` ("删除我的购买记录" -> user.behavior.purchase_history);
        the longest matching word wins."""
        return _best_match(self.categories, text)

    def purpose_from_text(self, text: str) -> str | None:
        """The purpose whose words occur in `text` ("stop the newsletter" -> marketing.communications)."""
        return _best_match(self.purposes, text)

    def channel_from_text(self, text: str) -> dict | None:
        """The way of being contacted `text` names ("don't call me anymore" -> the phone): its `category` and the
        `purpose` a consent change naming only it is about; None when no channel is named."""
        channels = self.data.get("contact_channels", {})
        key = _best_match(channels, text)
        return channels[key] if key else None

    def use_from_text(self, text: str) -> str | None:
        """The use a consent change names: a purpose in words, else the purpose of the channel it names."""
        channel = self.channel_from_text(text)
        return self.purpose_from_text(text) or (channel["purpose"] if channel else None)


def _best_match(entries: dict[str, dict], text: str) -> str | None:
    """The entry with the longest word in `text`; of equally long words, the one said first."""
    lowered, best = (text or "").lower(), (0, 0, None)
    for key, entry in entries.items():
        for word in entry.get("words", []):
            at = lowered.find(word.lower())
            if at >= 0 and (len(word), -at) > best[:2]:
                best = (len(word), -at, key)
    return best[2]


@cache
def default_taxonomy() -> Taxonomy:
    return Taxonomy(read_yaml(TAXONOMY_FILE))
