"""Tools chosen only on their own words (`cues.yaml`): without its cue a tool leaves the running, as the outlook
tools do, so a question is not answered by the nearest tool that does something else."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from crm.data_files import read_yaml

_FILE = Path(__file__).with_name("cues.yaml")
NO_CUE = -0.2  # on the similarity score: without its cue a tool is out of the running


def word_pattern(words: dict) -> re.Pattern[str]:
    """One pattern for {en: [...], zh: [...]} regular expressions: English ones on word edges, Chinese anywhere."""
    latin = "|".join(sorted(words.get("en") or [], key=len, reverse=True))
    chinese = "|".join(sorted(words.get("zh") or [], key=len, reverse=True))
    parts = ([rf"(?<![\w-])(?:{latin})(?![\w-])"] if latin else []) + ([f"(?:{chinese})"] if chinese else [])
    return re.compile("|".join(parts), re.I)


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    return {tool: word_pattern(words) for tool, words in (read_yaml(_FILE).get("tools") or {}).items()}


@cache
def _also() -> dict[str, re.Pattern[str]]:
    """Tools whose cue needs a second kind of word too (`and:`): who looked, and at which data."""
    return {tool: word_pattern(words["and"]) for tool, words in (read_yaml(_FILE).get("tools") or {}).items()
            if words.get("and")}


@cache
def _unless() -> dict[str, tuple[re.Pattern[str], re.Pattern[str] | None]]:
    """Tools whose cue does not count beside other words (`unless:`), save with words of their own (`still:`)."""
    return {tool: (word_pattern(words["unless"]), word_pattern(words["still"]) if words.get("still") else None)
            for tool, words in (read_yaml(_FILE).get("tools") or {}).items() if words.get("unless")}


def cued_tools() -> frozenset[str]:
    """The tools that need their own words."""
    return frozenset(_patterns())


def cue(tool: str, text: str) -> str | None:
    """The words of `text` that ask for `tool` ("overdue", "导出"), or None; None too for a tool needing no cue."""
    found = _patterns()[tool].search(text) if tool in _patterns() else None
    if found and tool in _also() and not _also()[tool].search(text):
        return None
    if found and tool in _unless():
        unless, still = _unless()[tool]
        if unless.search(text) and not (still and still.search(text)):
            return None
    return found.group(0) if found else None


def fit_bonus(tool: str, text: str) -> float:
    """0 for a tool whose cue is in `text` (or that needs none), else NO_CUE."""
    return 0.0 if tool not in _patterns() or cue(tool, text) else NO_CUE
