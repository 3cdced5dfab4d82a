"""What lies outside the CRM: a request to do something in the world (book a flight, order lunch, put a meeting in
a calendar) is not a request for the nearest CRM tool, and a task or reminder is one only when it says what to
do for a customer ("call Mark Taylor", "给北辰发报价"). The words live in `scope.yaml`."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from crm.data_files import read_yaml

_FILE = Path(__file__).with_name("scope.yaml")
# Between a verb of doing and the thing done: "book [a return] flight", "订[一张去上海的]机票".
_GAP_EN, _GAP_ZH = r"(?:\s+[\w'-]+){0,4}?\s+", r"[^，。,.;；!！?？]{0,8}?"


def _alternatives(words: list[str], latin: bool) -> str:
    joined = "|".join(sorted(words, key=len, reverse=True))
    return rf"(?<![\w-])(?:{joined})(?![\w-])" if latin else f"(?:{joined})"


@cache
def _data() -> dict:
    return read_yaml(_FILE)


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    outside, task = _data()["outside"], _data()["crm_task"]
    verbs_en, things_en = _alternatives(outside["verbs"]["en"], True), _alternatives(outside["things"]["en"], True)
    verbs_zh, things_zh = _alternatives(outside["verbs"]["zh"], False), _alternatives(outside["things"]["zh"], False)
    return {
        "outside": re.compile(
            f"{verbs_en}{_GAP_EN}{things_en}|{verbs_zh}{_GAP_ZH}{things_zh}"
            f"|{_alternatives(outside['anywhere']['en'], True)}|{_alternatives(outside['anywhere']['zh'], False)}",
            re.I),
        "crm_task": re.compile(f"{_alternatives(task['en'], True)}|{_alternatives(task['zh'], False)}", re.I),
        "assistant": _either(_data()["assistant"]),
        "overrides": re.compile("|".join(_data()["not_a_request"]["overrides"]), re.I),
        "bulk_copies": re.compile("|".join(_data()["not_a_request"]["bulk_copies"]), re.I),
        "own": re.compile(_data()["not_a_request"]["own"], re.I),
        "models": _either(_data()["assistant"]["models"]),
        "about_data": re.compile(_alternatives([w for w in _data()["assistant"]["about_data"] if w.isascii()], True)
                                 + "|" + _alternatives([w for w in _data()["assistant"]["about_data"] if not w.isascii()],
                                                       False), re.I),
    }


def _either(words: dict) -> re.Pattern[str]:
    return re.compile(f"{_alternatives(words['en'], True)}|{_alternatives(words['zh'], False)}", re.I)


def outside_crm(text: str) -> str | None:
    """The words of `text` that ask for something done outside the CRM ("book a flight", "帮我订机票",
    "在日历上约一下"), or None."""
    found = _patterns()["outside"].search(text)
    return found.group(0) if found else None


def about_the_assistant(text: str) -> str | None:
    """The words of `text` that ask about the assistant's own machinery (prompts, models, evals, traces, agents:
    "roll back the sales prompt", "把隐私助手换成 qwen2.5 模型"), or None. "Do you train AI models on my data?" is
    about consent, not about the models."""
    found = _patterns()["assistant"].search(text)
    if found is None and not _patterns()["about_data"].search(text):
        found = _patterns()["models"].search(text)
    return found.group(0) if found else None


def overrides_instructions(text: str) -> str | None:
    """The words of `text` that try to override the assistant's instructions ("ignore previous instructions",
    "忽略之前的指令", "you are now in developer mode"), or None."""
    found = _patterns()["overrides"].search(text)
    return found.group(0) if found else None


def not_a_request(text: str) -> str | None:
    """The words of `text` that try to override the assistant's instructions ("ignore previous instructions",
    "忽略之前的指令") or to copy the store out in bulk ("export all customers' emails"), or None. No tool serves
    either; "export my data" (a customer's own) is not this."""
    found = _patterns()["overrides"].search(text)
    if found is None and not _patterns()["own"].search(text):
        found = _patterns()["bulk_copies"].search(text)
    return found.group(0) if found else None


def crm_follow_up(text: str) -> str | None:
    """The follow-up verb or sales object that makes `text` a task for a customer ("call", "send the quote",
    "跟进", "续约"), or None ("pick up my dry cleaning")."""
    found = _patterns()["crm_task"].search(text)
    return found.group(0) if found else None


def task_tools() -> frozenset[str]:
    """The tools whose free text is something to do later (a task, a reminder)."""
    return frozenset(_data().get("task_tools") or ())


# A customer's own data ("delete my account", "删除我的信息") is theirs to erase, through its own tool.
_OWN = re.compile(r"\b(?:my|me|mine|myself)\b|我的|我(?:自己)?的?(?:信息|数据|资料|账号|账户)", re.I)


def deletes_a_record(text: str) -> str | None:
    """The kind of CRM record `text` asks to delete ("delete the Acme Robotics account" → "accounts", "把这个商机删掉" →
    "商机"), or None. No tool deletes a record; one's own data is erased by the privacy tools, so not this."""
    if _OWN.search(text):
        return None
    words, head = _data()["delete_records"], re.split(r"[:：]", text, maxsplit=1)[0]  # "log a call: they removed …"
    en_verbs, zh_verbs = _alternatives(words["verbs"]["en"], True), _alternatives(words["verbs"]["zh"], False)
    for pattern, kind in words["kinds"]["en"].items():  # the verb's own object: "delete [the Acme Robotics] account"
        if re.search(rf"{en_verbs}(?:\s+(?!(?:from|on|of|in|at|for|to|with|and)\b)[^\s,.;!?]+){{0,5}}?\s+"
                     rf"(?<![\w-])(?:{pattern})(?![\w-])", head, re.I):
            return kind
    for pattern, kind in words["kinds"]["zh"].items():  # "删除海天电子的商机", "把这个客户删掉"
        if re.search(rf"{zh_verbs}[^，。,.;；!！?？]{{0,14}}?(?:{pattern})|(?:把|将)[^，。,.;；!！?？]{{0,14}}?(?:{pattern})"
                     rf"[^，。,.;；!！?？]{{0,6}}?{zh_verbs}", head):
            return kind
    return None
