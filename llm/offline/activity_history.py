"""Whether a message asks to see the logged activities (find_activities): a question or a request to see, never a
statement of something done (that is logged) nor a count (that is a figure). Words in activity_history.yaml."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from crm.data_files import read_yaml
from crm.mood import Mood, mood_of
from llm.offline.cues import NO_CUE, word_pattern

TOOL = "find_activities"
_FILE = Path(__file__).with_name("activity_history.yaml")


@cache
def _counts():
    return word_pattern(read_yaml(_FILE)["counts"])


def asks_to_see(text: str) -> bool:
    """"What did we log with Acme last month?", "show my calls this week", "我上周和九州商贸有哪些沟通记录？": a question
    or a request to see that asks for no count."""
    return mood_of(text) is Mood.QUESTION and not _counts().search(text)


def fit_bonus(text: str) -> float:
    """0 when the message asks to see logged activities, else NO_CUE: out of the running."""
    return 0.0 if asks_to_see(text) else NO_CUE
