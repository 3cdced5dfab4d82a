"""Asking to file a request ("put in a 4% discount request for Summit Retail", "给海纳供应链提一个3%的折扣申请"): the
request is to be made, so tools that read past records do not answer it. The words are data (`filing.yaml`)."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from crm.data_files import read_yaml
from crm.mood import Mood, mood_of

_FILE = Path(__file__).with_name("filing.yaml")
_BETWEEN_EN = r"(?:\s+(?:a|an|the|my|our|this|that|new|another|one))?(?:\s+[\w%.$-]+){0,4}?\s+"
_BETWEEN_ZH = r"(?:一|这|那)?(?:个|份|条|张)?[^，,。？?！!；;]{0,12}?"


def _alternatives(words: list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


@cache
def _pattern() -> re.Pattern[str]:
    data = read_yaml(_FILE)
    verbs, requests, applying = data["verbs"], data["requests"], data.get("applying") or {}
    parts = [rf"(?<![\w-])(?:{_alternatives(verbs['en'])}){_BETWEEN_EN}(?:{_alternatives(requests['en'])})(?![\w-])"]
    if applying.get("en"):
        parts.append(rf"(?<![\w-])(?:{_alternatives(applying['en'])})(?![\w-])")
    # the request itself, not one already made ("提交的申请", "报过的申请"): no 的/过/了 right after the verb
    parts.append(rf"(?:{_alternatives(verbs['zh'])})(?![的过了])(?:{_BETWEEN_ZH})(?:{_alternatives(requests['zh'])})"
                 r"(?![的过]|结果|状态|进度|批了|通过)")
    return re.compile("|".join(parts), re.I)


def files_a_request(text: str) -> str | None:
    """The words of `text` asking for a request to be filed, or None (a question about one is no filing)."""
    if mood_of(text) is not Mood.REQUEST:
        return None
    found = _pattern().search(text)
    return found.group(0) if found else None
