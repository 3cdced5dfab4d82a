"""An account's overall picture against the prep for a meeting with it: which of account_summary and prep_meeting a
request asks for. A word for the picture ("overview", "概况") or for getting ready ("prep", "准备") decides; a neutral
word ("rundown", "brief me on", "讲讲…的情况") asks for the prep only with a meeting, call or visit ahead. The words are
data (`account_picture.yaml`)."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from crm.data_files import read_yaml
from llm.offline.cues import word_pattern

_FILE = Path(__file__).with_name("account_picture.yaml")
SUMMARY, PREP = "account_summary", "prep_meeting"


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    return {kind: word_pattern(words) for kind, words in read_yaml(_FILE).items()}


def asked_for(text: str, ahead: bool) -> str | None:
    """SUMMARY or PREP when the words of `text` say which, else None. `ahead`: the message speaks of something to
    come (a day ahead, "before my call", "明天要见")."""
    words = _patterns()
    if words["summary"].search(text):
        return SUMMARY
    if words["prep"].search(text):
        return PREP
    if words["neutral"].search(text):
        return PREP if ahead or words["meeting"].search(text) else SUMMARY
    return None
