"""Where a value came from, in the reader's language (sources.yaml): "event (trade fair badge scan)" → "展会（展会胸牌扫描）"."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from crm.data_files import read_yaml

SOURCES_FILE = Path(__file__).with_name("sources.yaml")


@cache
def _words() -> dict:
    return read_yaml(SOURCES_FILE) or {}


def _said(table: str, value, lang: str) -> str:
    entry = (_words().get(table) or {}).get(str(value)) or {}
    return entry.get(lang) or str(value)


def channel(value, lang: str) -> str:
    return _said("channels", value, lang)


def system(value, lang: str) -> str:
    return _said("systems", value, lang)


def detail(value, lang: str) -> str:
    said = _said("details", value, lang)
    if said != str(value):
        return said
    for entry in _words().get("detail_patterns") or []:
        found = re.fullmatch(entry["pattern"], str(value or ""))
        if found and entry.get(lang):
            return entry[lang].format(*found.groups())
    return str(value)


def recipients(names, lang: str) -> list[str]:
    return [_said("recipients", n, lang) for n in names or []]


def shown(src: dict, lang: str, label_purpose=None) -> dict:
    """A provenance (rights.source_text) as a person reads it: channel, system and detail in `lang`, the purpose
    collected for by `label_purpose` (the taxonomy's label), the recipients by name."""
    out = {**src, "channel": channel(src.get("channel"), lang), "system": system(src.get("system"), lang),
           "detail": detail(src.get("detail"), lang)}
    if "collected_for" in src and label_purpose is not None:
        out["collected_for"] = label_purpose(src.get("collected_for") or "")
    if "shared_with" in src:
        out["shared_with"] = recipients(src.get("shared_with"), lang)
    return out


def in_brackets(src: dict, lang: str) -> str:
    """"event (trade fair badge scan)", "展会（展会胸牌扫描）": the channel, then the system."""
    return f"{src['channel']}（{src['system']}）" if lang == "zh" else f"{src['channel']} ({src['system']})"
