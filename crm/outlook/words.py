"""The outlook's words in each language, read once from words.yaml beside this file: reasons, stages, columns."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from crm.data_files import read_yaml
from crm.language import name_in


@cache
def _words() -> dict:
    return read_yaml(Path(__file__).with_name("words.yaml"))


def _pick(entry: dict, lang: str):
    return entry.get(lang) or entry["en"]


def stage_name(stage: str, lang: str) -> str:
    return _pick(_words()["stages"], lang).get(stage, stage)


def reason(kind: str, lang: str, **values) -> str:
    """A signal's reason in `lang`, its numbers filled in; a stage and a bilingual name ("East / 华东") in `lang`."""
    if "stage" in values:
        values["stage"] = stage_name(values["stage"], lang)
    if isinstance(values.get("unit"), str):
        values["unit"] = name_in(values["unit"], lang)
    return _pick(_words()["signals"][kind], lang).format(**values)


def separator(lang: str) -> str:
    return _pick(_words()["separator"], lang)


def columns(table: str, lang: str, **values) -> list[str]:
    return [c.format(**values) for c in _pick(_words()["columns"][table], lang)]


def yes_no(flag: bool, lang: str) -> str:
    return _pick(_words()["yes_no"], lang)[0 if flag else 1]


def scope_in(scope: str, lang: str) -> str:
    """The scope as crm/metrics/scope.py says it ("every unit", "units a, b") in `lang`."""
    said = _pick(_words()["scope"], lang)
    if scope == "every unit":
        return said["all"]
    if scope.startswith("units "):
        return said["some"].format(units=("、" if lang == "zh" else ", ").join(scope[6:].split(", ")))
    return scope
