"""The reply templates of the offline model, read once from `replies.yaml`."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from crm.data_files import read_yaml

_FILE = Path(__file__).with_name("replies.yaml")


@cache
def _data() -> dict:
    return read_yaml(_FILE)


def template(section: str, key: str, lang: str, tool: str | None = None) -> str:
    """A template in `lang` ('en' or 'zh'); a tool's own entry in `tools:` overrides the generic one."""
    data = _data()
    if tool:
        own = (data.get("tools") or {}).get(tool, {}).get(key)
        if own:
            return own.get(lang) or own.get("en") or ""
    entry = data[section][key]
    return entry.get(lang) or entry["en"]


def has_template(section: str, key: str, tool: str | None = None) -> bool:
    """Whether `tool` has its own `key` entry (without a tool: whether the section has one)."""
    data = _data()
    if tool:
        return bool((data.get("tools") or {}).get(tool, {}).get(key))
    return key in (data.get(section) or {})


def label(name: str, lang: str) -> str:
    """How to call an argument kind or name in `lang` (e.g. account → 客户)."""
    return (_data().get("labels", {}).get(lang) or {}).get(name, name.replace("_", " "))


def small_talk_examples() -> dict[str, list[str]]:
    return {f"__{k}__": [str(x) for x in v] for k, v in _data()["small_talk"].items()}


def label_of_tool(name: str, lang: str = "zh") -> str | None:
    """A tool's name in `lang` from `tool_names:`, or None."""
    return (_data().get("tool_names", {}).get(lang) or {}).get(name)


def error_text(kind: str | None, details: dict, lang: str) -> str | None:
    """A tool error of this kind in `lang`, its details filled in (a kind of record by its label), or None."""
    entry = (_data().get("errors") or {}).get(kind or "")
    pattern = entry.get(lang) if isinstance(entry, dict) else None
    if not pattern:
        return None
    values = {k: (label(str(v), lang) if k == "what" else "、".join(map(str, v)) if isinstance(v, list) else v)
              for k, v in (details or {}).items()}
    try:
        return pattern.format(**values)
    except (KeyError, IndexError):  # a detail the template needs is missing: better the tool's own words
        return None
