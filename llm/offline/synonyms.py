"""The bilingual word tables of the offline model, read once from `synonyms.yaml`."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from crm.data_files import read_yaml

_FILE = Path(__file__).with_name("synonyms.yaml")


@cache
def _data() -> dict:
    return read_yaml(_FILE)


def _key(word: str) -> str:
    return " ".join(str(word).lower().replace("_", " ").split())


@cache
def _groups_by_word() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    vocabularies = [g for groups in (_data().get("param_values") or {}).values() for g in groups]
    for group in [*_data()["enum_groups"], *vocabularies]:
        words = tuple(str(w) for w in group)
        for w in words:
            table.setdefault(_key(w), words)
    return table


def words_for_enum_value(value: str) -> tuple[str, ...]:
    """The words that select `value`: the value itself, its spaced form, and its synonym group."""
    base = (str(value), str(value).replace("_", " "))
    return tuple(dict.fromkeys(base + _groups_by_word().get(_key(value), ())))


def name_affixes() -> dict[str, list[str]]:
    return {k: [str(x).lower() for x in v] for k, v in _data()["name_affixes"].items()}


def ordinals() -> dict[int, list[str]]:
    return {int(k): [str(x).lower() for x in v] for k, v in _data()["ordinals"].items()}


def ordinal_wrapping() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Words said before and after an ordinal that do not change it ("number 3", "选2", "第三项")."""
    words = _data().get("ordinal_wrapping") or {}
    return (tuple(sorted((str(w).lower() for w in words.get("before", [])), key=len, reverse=True)),
            tuple(sorted((str(w).lower() for w in words.get("after", [])), key=len, reverse=True)))


def command_words() -> frozenset[str]:
    return frozenset(str(w).lower() for w in _data()["command_words"])


def param_vocabulary(name: str) -> tuple[tuple[str, ...], ...]:
    """Word groups for a free string argument by its name (e.g. industry); the first word is the value."""
    groups = (_data().get("param_values") or {}).get(name.lower()) or []
    return tuple(tuple(str(w) for w in g) for g in groups)


@cache
def concept_patterns() -> tuple[tuple[str, "re.Pattern[str]"], ...]:
    """One pattern per concept group: Latin words on word edges, Chinese words anywhere."""
    import re

    out = []
    for name, words in (_data().get("concepts") or {}).items():
        alternatives = sorted({str(w).lower() for w in words}, key=len, reverse=True)
        parts = [re.escape(w) if not w.isascii() else rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" for w in alternatives]
        out.append((f"#{name}", re.compile("|".join(parts))))
    return tuple(out)


def stand_ins(kind: str) -> tuple[str, ...]:
    """Other entity kinds whose names may stand for a `kind` record."""
    return tuple((_data().get("entity_stand_ins") or {}).get(kind) or ())


@cache
def prospective() -> tuple[frozenset[str], "re.Pattern[str]"]:
    """The outcome values a marker before them makes a prospect ("要成交"), and a pattern of the markers that ends
    where the outcome word starts."""
    import re

    table = _data().get("prospective") or {}
    markers = sorted({str(w).lower() for w in table.get("markers") or ()}, key=len, reverse=True)
    parts = [re.escape(w) if not w.isascii() else rf"(?<![a-z0-9]){re.escape(w)}\s+(?:be\s+)?" for w in markers]
    return frozenset(str(v) for v in table.get("outcomes") or ()), re.compile(f"(?:{'|'.join(parts)})$")


def competitor_cues() -> dict[str, list[str]]:
    """How competitors are introduced: `before` the name, English `verbs_en` after it, `stops_zh`, `not_names`."""
    return {k: [str(w) for w in v] for k, v in (_data().get("competitors") or {}).items()}


def contrast_words() -> dict[str, tuple[str, ...]]:
    """Contrast `joins` ("but", "但是"), and the `stop` and `keep` words that give a clause its direction."""
    return {k: tuple(str(w).lower() for w in v) for k, v in (_data().get("contrast") or {}).items()}


@cache
def name_cues() -> dict[str, tuple[str, ...]]:
    """The words around a name the lexicon does not know (`name_cues:`), each list longest first."""
    return {k: tuple(sorted((str(w) for w in v), key=len, reverse=True)) for k, v in _data()["name_cues"].items()}


def list_order_words() -> dict[str, tuple[str, ...]]:
    """Cues of the order a list is asked in, by the order's value (amount, win_probability, close_date)."""
    return {k: tuple(str(w).lower() for w in v) for k, v in (_data().get("list_order") or {}).items()}


def staleness_words() -> dict[str, tuple[str, ...]]:
    """Cues that records went without activity, in English (`en`) and Chinese (`zh`)."""
    return {k: tuple(str(w).lower() for w in v) for k, v in (_data().get("staleness") or {}).items()}
