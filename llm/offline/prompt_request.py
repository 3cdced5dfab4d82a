"""Reading a prompt engineer's request about prompts: which tool (list, show, diff, live version, eval result,
promote, roll back), which prompt, which versions and labels. The words live in `prompt_requests.yaml`; a request
the prompt tools do not serve (run evals, edit a prompt, model settings) is left alone, so it gets "I can't"."""
from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path

from crm.data_files import read_yaml
from llm.offline.arguments import Filled, Filling
from llm.offline.dates import find_periods
from llm.offline.schema import ToolView

_FILE = Path(__file__).with_name("prompt_requests.yaml")
TOOLS = ("list_prompts", "show_prompt", "diff_prompt_versions", "live_prompt_version", "prompt_eval_result",
         "promote_prompt_version", "rollback_prompt")
_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
# ASCII edges: "隐私提示词v1和v2" names v1 and v2 (a Chinese character is a word character to `\w`)
_VERSIONS = re.compile(r"(?<![A-Za-z0-9_-])v\s?(\d+)(?![A-Za-z0-9_-])|\bversions?\s*(?:no\.?\s*)?(\d+)\b|"
                       r"\b(first|second|third|fourth|fifth)\s+version\b|第\s*([0-9一二两三四五六七八九十]+)\s*(?:个)?版|"
                       r"版本\s*(\d+)|(\d+)\s*版", re.I)


def _either(words: dict) -> re.Pattern[str]:
    latin = "|".join(sorted(words.get("en") or [], key=len, reverse=True))
    chinese = "|".join(sorted(words.get("zh") or [], key=len, reverse=True))
    # ASCII edges: in "销售提示词的staging标签" the Chinese characters around "staging" are no letters of its word
    parts = ([rf"(?<![A-Za-z0-9_-])(?:{latin})(?![A-Za-z0-9_-])"] if latin else []) + \
        ([f"(?:{chinese})"] if chinese else [])
    return re.compile("|".join(parts), re.I)


@cache
def _data() -> dict:
    data = read_yaml(_FILE)
    return {
        "prompt_words": _either(data["prompt_words"]),
        "version_words": _either(data["version_words"]),
        "prompts": {name: _either(words) for name, words in data["prompts"].items()},
        "labels": {name: _either(words) for name, words in data["labels"].items()},
        "not_served": _either(data["not_served"]),
        "newest": _either(data["newest"]),
        "previous": _either(data["previous"]),
        "comparing": _either(data["comparing"]),
        "changed": _either(data["changed"]),
        "intents": [(entry["tool"], _either(entry)) for entry in data["intents"]],
        "handoff": data["handoff"],
    }


def named_prompt(text: str) -> str | None:
    """The prompt `text` names first ("the sales prompt", "隐私提示词"), or None."""
    found = [(m.start(), name) for name, pattern in _data()["prompts"].items() if (m := pattern.search(text))]
    return min(found)[1] if found else None


def about_prompts(text: str) -> bool:
    """Whether `text` is about prompts: it says "prompt", or names one with a version or a label."""
    return bool(_data()["prompt_words"].search(text)
                or (named_prompt(text) and _data()["version_words"].search(text)))


def not_served(text: str) -> str | None:
    found = _data()["not_served"].search(text)
    return found.group(0) if found else None


def choose(text: str, offered: set[str]) -> str | None:
    """The prompt tool (or the handoff to the prompt specialist) `text` asks for among `offered`, or None."""
    handoff = _data()["handoff"]
    if not (offered & set(TOOLS) or handoff in offered) or not about_prompts(text):
        return None
    if handoff in offered and not offered & set(TOOLS):
        return handoff  # the specialist says what it can and cannot do about prompts
    if not_served(text):
        return None
    if "list_prompts" in offered and changes_in_period(text):
        return "list_prompts"
    tool = next((tool for tool, pattern in _data()["intents"] if pattern.search(text)), None)
    return tool if tool in offered else None


def changes_in_period(text: str) -> bool:
    """Whether `text` asks what changed in a period ("which prompts were changed this week?", "上个月改过哪些提示词"):
    a change said of the past, a period, and no version named."""
    return bool(_data()["changed"].search(text) and not versions(text)
                and find_periods(text, dt.date.today()))


def versions(text: str) -> list[int]:
    """The version numbers `text` names, in order ("v2 vs v1" → [2, 1], "第二版和第三版" → [2, 3])."""
    out = []
    for m in _VERSIONS.finditer(text):
        said = next(g for g in m.groups() if g)
        number = (int(said) if said.isdigit() else _ORDINALS.get(said.lower()) or _zh_number(said))
        if number and number not in out:
            out.append(number)
    return out


def labels(text: str) -> list[str]:
    """The labels `text` names, in the order said."""
    found = [(m.start(), name) for name, pattern in _data()["labels"].items() if (m := pattern.search(text))]
    return [name for _, name in sorted(found)]


def fill(view: ToolView, reading) -> Filling:
    out = Filling()
    text = reading.text
    params = {p.name for p in view.params}

    def put(name: str, value, surface: str, how: str) -> None:
        if name in params:
            out.args[name] = value
            out.filled.append(Filled(name, value, surface, how))

    prompt = named_prompt(text)
    if prompt:
        put("prompt", prompt, prompt, "enum")
    if view.name == "list_prompts" and reading.periods and changes_in_period(text):
        put("changed_in", reading.periods[0].value, reading.periods[0].surface, "period")
    numbers, said = versions(text), labels(text)
    if view.name == "diff_prompt_versions" and said and len(numbers) < 2:
        # "production against staging": the versions the labels point at; one label alone is set against the
        # version named ("staging vs v1") or else against production ("what changed on staging?")
        if numbers:
            put("old", numbers[0], f"v{numbers[0]}", "integer")
            put("new_label", said[0], said[0], "enum")
        else:
            pair = said[:2] if len(said) >= 2 else ([said[0], "production"] if said[0] != "production" else [])
            if pair:
                older = "production" if "production" in pair else pair[0]
                put("old_label", older, older, "enum")
                put("new_label", next(lab for lab in pair if lab != older), pair[-1], "enum")
    elif view.name == "diff_prompt_versions" and numbers:
        if len(numbers) >= 2:
            put("old", numbers[0], f"v{numbers[0]}", "integer")
            put("new", numbers[1], f"v{numbers[1]}", "integer")
        else:
            put("new", numbers[0], f"v{numbers[0]}", "integer")
    elif view.name == "prompt_eval_result" and (len(numbers) >= 2 or _data()["comparing"].search(text)):
        # "v3 against v2": both named; "better than the previous version": the version before the one meant
        if numbers:
            put("version", numbers[0], f"v{numbers[0]}", "integer")
        if len(numbers) >= 2:
            put("compare_to", numbers[1], f"v{numbers[1]}", "integer")
        elif _data()["previous"].search(text):
            put("compare_to", "previous", _data()["previous"].search(text).group(0), "enum")
    elif numbers:
        put("version", numbers[0], f"v{numbers[0]}", "integer")
    if view.name == "promote_prompt_version":
        if numbers or (_data()["newest"].search(text) and "production" not in said):
            # "label v2 as staging", "point staging at the newest version": staging is the label that moves
            if "staging" in said and "production" not in said:
                put("label", "staging", "staging", "enum")
        elif "staging" in said:
            put("from_label", "staging", "staging", "enum")
    elif view.name == "rollback_prompt" and "staging" in said and "production" not in said:
        put("label", "staging", "staging", "enum")
    elif view.name == "show_prompt" and not numbers and "staging" in said:
        put("label", "staging", "staging", "enum")
    out.missing = [p for p in view.required if p.name not in out.args]
    return out


def _zh_number(said: str) -> int | None:
    if said in _ZH_DIGITS:
        return _ZH_DIGITS[said]
    if len(said) == 2 and said[0] == "十" and said[1] in _ZH_DIGITS:
        return 10 + _ZH_DIGITS[said[1]]
    return None
