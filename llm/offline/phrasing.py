"""Tool results (JSON strings) turned into a reply: a lead sentence from `replies.yaml`, then the values."""
from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from typing import Any

from crm.actor import CannotAnswer
from llm.offline.replies import error_text, has_template, label, template

MAX_ROWS, MAX_CELL = 10, 40
PHRASED_KEPT = 128  # results phrased lately: the same result (a repeated question) is phrased once
# how/chart: for channels; "written" and "undo" are shown by the runtime under every reply (agents/written.py).
# verdict/values: a tool's answer worded by its own template for that verdict (replies.yaml, tools:).
_STANDARD = {"ok", "error", "error_kind", "error_details", "candidates", "items", "total", "about", "record", "done", "how", "chart", "written",
             "undo", "unchanged", "already", "verdict", "values", "answer", "series", "closest",
             "amount_total"}


def phrase_result(tool: str | None, content: Any, lang: str) -> str:
    """One tool result in words. Unknown shapes are shown as key: value lines, non-JSON text as it is."""
    if isinstance(content, str):  # the words depend on the text alone (the templates are read once)
        return _phrased(tool, content, lang)
    return _phrase(tool, content, lang)


@lru_cache(maxsize=PHRASED_KEPT)
def _phrased(tool: str | None, content: str, lang: str) -> str:
    return _phrase(tool, content, lang)


def _phrase(tool: str | None, content: Any, lang: str) -> str:
    data = _load(content)
    if not isinstance(data, dict):
        return _compact(data) if data is not None else str(content or "").strip()
    about = about_words(data.get("about"), lang)
    if data.get("ok") is False or ("error" in data and "ok" not in data):
        return _error(tool, data, lang)
    parts: list[str] = []
    if isinstance(data.get("answer"), str) and data["answer"].strip():  # the sentence that answers the question leads
        parts.append(data["answer"].strip())
    if isinstance(data.get("verdict"), str) and has_template("results", data["verdict"], tool):
        parts.append(_worded(tool, data, lang))
    if data.get("unchanged"):  # asked for what already holds ("move it to negotiation" when it is there)
        parts.append(_fill(template("results", "unchanged", lang, tool), about=about,
                           value=label(str(data.get("already") or ""), lang)))
        about = ""
    if isinstance(data.get("items"), list) and (data["items"] or not parts):  # a leading answer says "none" itself
        # a time series ("series": true) shows every period it covers; the cap is for lists and rankings
        parts.append(_items(tool, data["items"], data.get("total"), about, lang,
                            len(data["items"]) if data.get("series") else MAX_ROWS))
    if isinstance(data.get("record"), dict):
        lead = _fill(template("results", "record", lang, tool),
                     about=about or template("results", "record_about", lang))
        parts.append(lead + "\n" + _lines(data["record"], lang=lang))
    if data.get("done") and not (lang != "en" and isinstance(data.get("record"), dict)):
        # the tool's sentence is English: in another language the record shown above says what was done
        parts.append(_fill(template("results", "done", lang, tool), done=data["done"], about=about))
    extra = {k: v for k, v in data.items() if k not in _STANDARD}
    if extra:
        parts.append(_lines(extra, lang=lang))
    if not parts:
        parts.append(_fill(template("results", "done", lang, tool), done=about or "ok"))
    return "\n".join(parts)


def about_words(about: Any, lang: str) -> str:
    """What a list was asked for, as words that continue its lead sentence ("Found 8 deals owned by 王芳 with no
    activity for 14+ days."). A tool gives its filters as a mapping ({"owner": "王芳", "idle_days": 14}), each
    worded by its entry under `filters:` in replies.yaml; a plain string is already words."""
    if not isinstance(about, dict):
        return str(about or "").strip()
    parts = []
    for key, value in about.items():
        if isinstance(value, dict):  # a period: from, to or both
            ends = {k: v for k, v in value.items() if k in ("start", "end") and v}
            shape = "both" if len(ends) == 2 else "from" if "start" in ends else "to"
            if ends and has_template("filters", f"{key}_{shape}"):
                parts.append(_fill(template("filters", f"{key}_{shape}", lang), **ends))
            continue
        if value in (None, "", False) or not has_template("filters", key):
            continue
        shown = label(f"{key}.{value}", lang) if isinstance(value, str) and _known(f"{key}.{value}", lang) else value
        if isinstance(shown, (int, float)) and not isinstance(shown, bool) and abs(shown) >= 1000:
            shown = _compact(float(shown))  # an amount: 120,000
        entry = f"{key}_{value}" if isinstance(value, (str, int)) and not isinstance(value, bool) and \
            has_template("filters", f"{key}_{value}") else key  # "limit_1": the first one only
        parts.append(_fill(template("filters", entry, lang), value=shown))
    return (" " if lang == "en" else "，").join(p for p in parts if p)


def _worded(tool: str | None, value: Any, lang: str) -> Any:
    """A {"verdict", "values"} answer in the tool's own template for that verdict; a value that is itself such an
    answer (a reason inside a verdict) is worded the same way first. Anything else is returned as it is."""
    if isinstance(value, dict) and set(value) == {"en", "zh"}:  # a name said in both languages: the asker's
        return value[lang] if lang in value else value["en"]
    if not (isinstance(value, dict) and isinstance(value.get("verdict"), str)):
        return value
    if not has_template("results", value["verdict"], tool):
        return str(value.get("text") or "")  # no words of its own: the tool's plain text
    values = {k: _worded(tool, v, lang) for k, v in (value.get("values") or {}).items()}
    return _fill(template("results", value["verdict"], lang, tool), **values)


# "what's the total value of…", "一共多少钱": a list answering such a question leads with its sum and count
ASKS_TOTAL = re.compile(r"\b(?:total|sum|how much|how many|combined|altogether|add(?:s|ed)? up|in all|count|number of)\b|"
                        r"总额|总金额|合计|总共|一共|加起来|多少钱|总值|几个|多少个|多少单", re.I)


def total_lead(content: Any, lang: str) -> str:
    """"Total: 1,234,000 over 3 deals." for a list of records with amounts, else "". Over the rows returned: a list
    cut short says so ("of the first 50")."""
    data = _load(content)
    items = data.get("items") if isinstance(data, dict) and data.get("ok", True) else None
    amounts = [i.get("amount") for i in items or [] if isinstance(i, dict)]
    if not items or not all(isinstance(a, (int, float)) for a in amounts):
        return ""
    total = data.get("total") if isinstance(data.get("total"), int) else len(items)
    if isinstance(data.get("amount_total"), (int, float)):  # the tool summed every match, not only the rows shown
        return _fill(template("results", "sum", lang, None), sum=_compact(float(data["amount_total"])), count=total)
    values = {"sum": _compact(float(sum(amounts))), "count": len(items), "total": total}
    key = "sum_partial" if total > len(items) else "sum"
    return _fill(template("results", key, lang, None), **values)


def _load(content: Any) -> Any:
    if isinstance(content, (dict, list)):
        return content
    try:
        return json.loads(content)
    except (TypeError, ValueError):
        return None


def _error(tool: str | None, data: dict, lang: str) -> str:
    """The failure in the user's language: by its kind where replies.yaml words it, else the tool's message."""
    said = None if lang == "en" else error_text(data.get("error_kind"), data.get("error_details") or {}, lang)
    key = "cannot" if data.get("error_kind") == CannotAnswer.KIND else "error"  # a refusal, not a failure of the request
    text = _fill(template("results", key, lang, tool), error=said or data.get("error") or "unknown error")
    candidates = data.get("candidates") or []
    if candidates:
        listed = "\n".join(f"{i}. {_compact(c)}" for i, c in enumerate(candidates[:MAX_ROWS], 1))
        asks = str(data.get("error") or "").rstrip().endswith(("?", "？"))  # the error already asks "Which one?"
        lead = "" if asks else _fill(template("results", "candidates", lang, tool), candidates="") + "\n"
        text += "\n" + lead + listed
    return text


def _items(tool: str | None, items: list, total: Any, about: str, lang: str, cap: int = MAX_ROWS) -> str:
    total = total if isinstance(total, int) else len(items)
    if not items:
        return _fill(template("results", "no_items", lang, tool), about=about, total=0)
    key = _items_key(total, tool)
    lead = _fill(template("results", key, lang, tool), total=total, shown=min(len(items), cap), about=about)
    shown = items[:cap]
    body = _table(shown, lang) if all(isinstance(i, dict) for i in shown) else \
        "\n".join(f"- {_compact(i)}" for i in shown)
    more = total - len(shown)
    tail = "\n" + _fill(template("results", "more", lang, tool), more=more) if more > 0 else ""
    return f"{lead}\n{body}{tail}" if lead else f"{body}{tail}"  # a tool whose verdict leads has no list lead


def _items_key(total: int, tool: str | None) -> str:
    """"items_one" for a single result, unless the tool words its plural lead itself but has no singular."""
    if total != 1:
        return "items"
    own_plural = bool(tool) and has_template("results", "items", tool)
    return "items_one" if not own_plural or has_template("results", "items_one", tool) else "items"


def _table(rows: list[dict], lang: str = "en") -> str:
    """Rows as an aligned table; in another language than English, the columns and the CRM's words in them (a
    stage, a status) are named as replies.yaml's labels name them, where it does."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    cells = [[_cell(_worded_value(c, row.get(c), lang)) for c in columns] for row in rows]
    heads = [label(str(c), lang) if lang != "en" and _known(str(c), lang) else str(c) for c in columns]
    widths = [max(_width(x) for x in [h, *(r[i] for r in cells)]) for i, h in enumerate(heads)]
    line = lambda values: " | ".join(_pad(v, w) for v, w in zip(values, widths)).rstrip()  # noqa: E731
    return "\n".join([line(heads), "-+-".join("-" * w for w in widths), *(line(r) for r in cells)])


def _worded_value(name: Any, value: Any, lang: str) -> Any:
    """A stage, kind or status in the reply's language ("negotiation" → 谈判); anything else as it is."""
    prefix = _WORDED_VALUES.get(str(name))
    if lang == "en" or not prefix or not isinstance(value, str) or not _known(prefix + value, lang):
        return value
    return label(prefix + value, lang)


def _lines(record: dict, indent: str = "", lang: str = "en") -> str:
    """A record as "field: value" lines, the field named in the reply's language (labels: in replies.yaml)."""
    out = []
    for name, value in record.items():
        key = label(name, lang) if lang != "en" else name
        if isinstance(value, dict) and value and len(_compact(value)) > 60:
            out.append(f"{indent}{key}:\n{_lines(value, indent + '  ', lang)}")
        elif isinstance(value, list) and value and any(isinstance(v, dict) for v in value):
            out.append(f"{indent}{key}:")
            out.extend(f"{indent}  - {_compact(v)}" for v in value[:MAX_ROWS])
            if len(value) > MAX_ROWS:
                out.append(f"{indent}  … +{len(value) - MAX_ROWS}")
        elif lang != "en" and name in _WORDED_VALUES and isinstance(value, str):
            out.append(f"{indent}{key}: {_worded_value(name, value, lang)}")
        else:
            out.append(f"{indent}{key}: {_compact(value)}")
    return "\n".join(out)


# Fields whose values are words of the CRM (a stage, a kind of activity, a status): shown in the reply's language,
# looked up in replies.yaml labels under these prefixes ("stage.negotiation" → 谈判)
_WORDED_VALUES = {"stage": "stage.", "previous_stage": "stage.", "kind": "kind.", "status": "status.",
                  "priority": "priority.", "category": "category.", "field": "field."}


def _known(name: str, lang: str) -> bool:
    return label(name, lang) != name.replace("_", " ")


def _compact(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) >= 1000 else f"{value:g}"
    if isinstance(value, int):
        return str(value)  # ids and counts: no thousands separators
    if isinstance(value, dict):
        return ", ".join(f"{k}={_compact(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_compact(v) for v in value)
    return str(value)


def _cell(value: Any) -> str:
    text = re.sub(r"\s+", " ", _compact(value))
    if _width(text) <= MAX_CELL:
        return text
    cut = ""
    for ch in text:  # Chinese characters take two columns
        if _width(cut + ch) > MAX_CELL - 1:
            break
        cut += ch
    return cut + "…"


def _width(text: str) -> int:
    if text.isascii():  # no ASCII character is wide
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _fill(pattern: str, **values: Any) -> str:
    """Format a template; an empty placeholder takes its brackets and the space before it along."""
    text = pattern
    for key, value in values.items():
        shown = _compact(value) if not isinstance(value, str) else value
        if not shown:
            text = re.sub(r"\s*[（(]\{" + key + r"\}[）)]|\s*\{" + key + r"\}", "", text)
        text = text.replace("{" + key + "}", shown)
    return re.sub(r"\s+([.。，,:：])", r"\1", text).strip()
