"""The offered tools as the offline model reads them: summary, example utterances, typed parameters."""
from __future__ import annotations

import copy
import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from llm.offline.synonyms import param_vocabulary

EXAMPLES_HEADER = "examples:"
_SLOT_BY_NAME = [  # when a schema carries no x-slot hint, the argument's name is the next best clue
    (re.compile(r"^(note|notes|text|body|content|message|description|summary|subject|query|q|question|"
                r"complaint|reason|comment|details?)$"), "free_text"),
    (re.compile(r"(^|_)(period|range|timeframe|window)$"), "period"),
    (re.compile(r"(^|_)(date|day|due|when|on)$"), "date"),
    (re.compile(r"(^|_)(amount|value|price|budget|revenue|total)$"), "amount"),
    (re.compile(r"(^|_)(percent|percentage|pct|discount|rate)$"), "percent"),
    (re.compile(r"^(limit|top|count|n|days|number|quantity|qty)$"), "integer"),
    (re.compile(r"(^|_)(competitor|rival)$"), "competitor"),
]


PARSED_KEPT = 32  # tool lists parsed lately, by identity (each model node binds one)
_parsed: OrderedDict[int, tuple[list, list]] = OrderedDict()
_parsed_lock = threading.Lock()

_WRITE_VERBS = {"move", "record", "log", "open", "create", "add", "set", "update", "change", "mark", "delete",
                "erase", "remove", "grant", "revoke", "correct", "approve", "reject", "request", "send", "book",
                "schedule", "assign", "close", "clone", "register", "submit", "cancel", "withdraw", "ask", "undo",
                "erase", "point", "roll", "promote"}  # "Point a prompt's label at…", "Roll a prompt back…"
_WHAT_IF_VERBS = {"check", "simulate", "try"}  # tools that work out what an action would do, without doing it


@dataclass(frozen=True)
class Param:
    name: str
    type: str | None
    required: bool
    description: str = ""
    entity: str | None = None
    slot: str | None = None
    enum: tuple[Any, ...] = ()
    item_type: str | None = None
    item_enum: tuple[Any, ...] = ()

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")


@dataclass(frozen=True)
class ToolView:
    name: str
    summary: str
    examples: tuple[str, ...]
    params: tuple[Param, ...]

    def __hash__(self) -> int:  # every decision's key hashes the offered views: each view's hash is worked out once
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = hash((self.name, self.summary, self.examples, self.params))
            object.__setattr__(self, "_hash", cached)
        return cached

    @property
    def required(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.required)

    @property
    def records(self) -> bool:
        """Whether the tool records something that already happened (a call, a meeting)."""
        first = re.match(r"\s*([A-Za-z]+)", self.summary)
        return bool(first) and first.group(1).lower() in ("record", "log")

    @property
    def answers_what_if(self) -> bool:
        """Whether the tool tries an action out without doing it ("Check a discount against the contract…")."""
        first = re.match(r"\s*([A-Za-z]+)", self.summary)
        return bool(first) and first.group(1).lower() in _WHAT_IF_VERBS and not self.writes

    @property
    def writes(self) -> bool:
        """Whether the tool changes records, judged by the verb its summary starts with."""
        first = re.match(r"\s*([A-Za-z]+)", self.summary)
        return bool(first) and first.group(1).lower() in _WRITE_VERBS


def parse_tools(tools: list[dict] | None) -> list[ToolView]:
    """OpenAI function tools (or bare function dicts) to `ToolView`s, in the order offered."""
    if not tools:
        return []
    with _parsed_lock:  # a model node offers the same list every turn: compared, it need not be parsed again
        known = _parsed.get(id(tools))
    if known is not None and known[0] == tools:  # equal to a copy taken then: the same tools, even if edited since
        return list(known[1])
    views = _parse(tools)
    with _parsed_lock:
        _parsed[id(tools)] = (copy.deepcopy(tools), views)
        if len(_parsed) > PARSED_KEPT:
            _parsed.popitem(last=False)
    return list(views)


def _parse(tools: list[dict]) -> list[ToolView]:
    views = []
    for tool in tools or []:
        fn = tool.get("function", tool) if isinstance(tool, dict) else {}
        if fn.get("name"):
            views.append(_view(json.dumps(fn, default=str)))
    return views


@lru_cache(maxsize=512)
def _view(fn_json: str) -> ToolView:  # tools repeat every turn: parse each distinct one once
    fn = json.loads(fn_json)
    summary, examples = split_description(fn.get("description") or "")
    return ToolView(fn["name"], summary or fn["name"].replace("_", " "), tuple(examples),
                    tuple(_params(fn.get("parameters") or {})))


def split_description(description: str) -> tuple[str, list[str]]:
    """The first line before "Examples:" and the "- utterance" lines after it."""
    head, examples, in_examples = [], [], False
    for line in description.splitlines():
        stripped = line.strip()
        if stripped.lower() == EXAMPLES_HEADER:
            in_examples = True
        elif in_examples and stripped.startswith(("- ", "* ")):
            examples.append(stripped[2:].strip().strip('"“”'))
        elif not in_examples and stripped:
            head.append(stripped)
    return (head[0] if head else ""), [e for e in examples if e]


def _params(schema: dict) -> list[Param]:
    defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    required = set(schema.get("required") or [])
    out = []
    for name, raw in (schema.get("properties") or {}).items():
        prop = _resolve(raw, defs)
        item = _resolve(prop.get("items") or {}, defs) if prop.get("type") == "array" else {}
        slot = prop.get("x-slot") or item.get("x-slot")
        entity = prop.get("x-entity") or item.get("x-entity")
        enum = tuple(prop.get("enum") or ())
        if not slot and not entity and not (enum or item.get("enum")):
            enum = tuple(group[0] for group in param_vocabulary(name))  # an open vocabulary, e.g. industry
            slot = None if enum else _slot_by_name(name, prop)
        out.append(Param(
            name=name, type=_type_of(prop), required=name in required,
            description=str(prop.get("description") or prop.get("title") or "").strip(),
            entity=entity, slot=slot, enum=enum,
            item_type=_type_of(item) if item else None, item_enum=tuple(item.get("enum") or ()),
        ))
    return out


def _resolve(node: dict, defs: dict, depth: int = 0) -> dict:
    """Inline $ref, drop the null branch of Optional[...] and keep the outer hints (x-entity, description)."""
    if not isinstance(node, dict) or depth > 8:
        return {}
    outer = {k: v for k, v in node.items() if k not in ("$ref", "anyOf", "oneOf", "allOf")}
    if "$ref" in node:
        target = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
        return {**_resolve(target, defs, depth + 1), **outer}
    for key in ("anyOf", "oneOf", "allOf"):
        branches = [b for b in node.get(key) or [] if not (isinstance(b, dict) and b.get("type") == "null")]
        if branches:
            return {**_resolve(branches[0], defs, depth + 1), **outer}
    return node


def _type_of(prop: dict) -> str | None:
    t = prop.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if t is None and prop.get("enum"):
        t = "integer" if all(isinstance(v, int) for v in prop["enum"]) else "string"
    if t is None and prop.get("format") in ("date", "date-time"):
        t = "string"
    return t


def _slot_by_name(name: str, prop: dict) -> str | None:
    if prop.get("format") in ("date", "date-time"):
        return "date"
    for pattern, slot in _SLOT_BY_NAME:
        if pattern.search(name.lower()):
            return slot
    return None


def coerce(param: Param, value: Any) -> Any:
    """A value of the parameter's declared JSON type (arrays wrap scalars; objects keep dicts)."""
    kind = param.type
    if kind == "array":
        values = value if isinstance(value, list) else [value]
        inner = Param(param.name, param.item_type, False)
        return [coerce(inner, v) for v in values]
    if isinstance(value, dict) and kind != "object":
        if {"start", "end"} <= set(value):  # a period given to a string field: ISO 8601 interval
            return f"{value['start']}/{value['end']}"
        return json.dumps(value, ensure_ascii=False)
    if kind == "integer":
        return int(round(float(value)))
    if kind == "number":
        number = float(value)
        return int(number) if number.is_integer() else number
    if kind == "boolean":
        return value if isinstance(value, bool) else str(value).lower() in ("true", "yes", "1", "是")
    if kind == "string":
        return value if isinstance(value, str) else str(value)
    return value
