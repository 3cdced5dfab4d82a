"""What a node syncs is untrusted input: the centre screens every record before it reads, shows or acts on it.

Two checks, both naming what was wrong:
- `screen_record`: a record's whole content (shape, types, lengths, allowed values, the site's account, who wrote
  each part) as `RecordStore` reads it. Runs on every read and review at the centre.
- `screen_change`: one synced change to a record, as the CRDT reports it while a node's update is applied. A node
  writes only its own registers and history entries and never replaces, rewrites or deletes anything; so what
  would pass as the centre's (a register `r/status/central`, an entry `"by": "central"`) cannot be forged by a node.

A record that fails either is quarantined (hub.py): kept in the CRDT, since removing it would only make the node
send it again, but never read, listed, reviewed or followed up, with the reason stored and logged.
"""
from __future__ import annotations

import json
import re
import uuid
from typing import Any

from edge_agent.conflicts import FIELD_RULES, STATUSES
from edge_agent.field_service import PRIORITIES, WORK_ORDER_TYPES

CENTRAL = "central"
TEXT_MAX = 2_000  # notes and other free text, as the API allows
NAME_MAX = 200  # titles, assets, locations, parts, people
VERDICT_MAX = 4_000  # a capability verdict (weight check, route, scan check) as JSON
LIST_MAX = 200
MINUTES_MAX = 10_000_000
HISTORY_OPS = ("created", "assigned", "progress", "closed", "note", "priority", "conflict_resolved", "followup")
_ENTRY_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
_HLC = re.compile(r"^[0-9]{13}\.[0-9]{6}\.[A-Za-z0-9_-]{1,64}$")  # clock.py: wall ms, counter, writer


class Invalid(ValueError):
    """What is wrong with a synced record, in words an operator can act on."""


def screen_record(kind: str, record_id: str, raw: Any, *, node_id: str, account_id: int | None) -> str | None:
    """Why the record (its raw map: key -> JSON text) may not be trusted, or None when it may."""
    try:
        _record(kind, record_id, raw, node_id=node_id, account_id=account_id)
    except Invalid as exc:
        return str(exc)
    return None


def screen_change(record_id: str, changes: dict, *, node_id: str) -> str | None:
    """Why a node's change to a record is not one a node may make, or None. `changes` is the CRDT event's
    {key: {"action", "newValue", ...}} for the record's own map, or {"": {"action"}} for the record itself
    (`RecordStore.watch`)."""
    for key, change in changes.items():
        action, value = change.get("action"), change.get("newValue")
        if key == "":
            if action == "add":
                continue
            return f"node {node_id} {'deleted' if action == 'delete' else 'replaced'} record {record_id}; records are never removed or replaced"
        if action == "delete":
            return f"node {node_id} deleted '{key}' of record {record_id}; records and their history are never deleted"
        if key == "head":
            return f"node {node_id} rewrote the head of record {record_id}; it is fixed when the record is created"
        if key.startswith("r/"):
            writer = key.split("/", 2)[-1]
            if writer != node_id:
                return f"node {node_id} wrote the register '{key}' of {writer!r}; a node writes only its own"
        elif key.startswith("h/"):
            if action != "add":
                return f"node {node_id} rewrote history entry '{key}' of record {record_id}; entries are only added"
            try:
                entry = _loads(value)
            except Invalid:
                return f"node {node_id} added history entry '{key}' that is not JSON text"
            by = entry.get("by") if isinstance(entry, dict) else None
            if by != node_id:
                return f"node {node_id} added history entry '{key}' signed by {by!r}; a node signs only its own"
        else:
            return f"node {node_id} wrote an unknown part '{key[:60]}' of record {record_id}"
    return None


def _record(kind: str, record_id: str, raw: Any, *, node_id: str, account_id: int | None) -> None:
    writers = {node_id, CENTRAL}
    if not isinstance(raw, dict):
        raise Invalid(f"{kind} {record_id} is a {type(raw).__name__}, not a record map")
    values = {}
    for key, text in raw.items():
        if not isinstance(text, str):
            raise Invalid(f"'{key}' of {kind} {record_id} is a {type(text).__name__}, not JSON text")
        values[key] = _loads(text, f"'{key}' of {kind} {record_id}")
    head = values.get("head")
    if not isinstance(head, dict):
        raise Invalid(f"{kind} {record_id} has no head")
    _uuid(record_id, f"{kind} id")
    if head.get("id") != record_id or head.get("kind") != kind:
        raise Invalid(f"the head of {kind} {record_id} names {head.get('kind')!r} {head.get('id')!r}")
    if head.get("origin") not in writers:
        raise Invalid(f"{kind} {record_id} claims origin {head.get('origin')!r}; node {node_id} records only its own")
    _hlc(head.get("hlc"), "hlc"), _text(head.get("created_at"), "created_at", 40)
    if not isinstance(head.get("fields"), dict):
        raise Invalid(f"{kind} {record_id} has no fields")
    FIELDS[kind](head["fields"], account_id)
    for key, value in values.items():
        if key == "head":
            continue
        part, _, rest = key.partition("/")
        if part == "r" and kind == "work_order":
            name, _, writer = rest.partition("/")
            if name not in FIELD_RULES or writer not in writers:
                raise Invalid(f"{kind} {record_id} has a register '{key}' no writer here makes")
            _register(name, value, key)
        elif part == "h" and _ENTRY_ID.match(rest):
            _entry(value, key, writers)
        else:
            raise Invalid(f"{kind} {record_id} has an unknown part '{key[:60]}'")


def _work_order(f: dict, account_id: int | None) -> None:
    _only(f, {"title", "asset", "location", "type", "account_id"}, "work order")
    _text(f.get("title"), "title", NAME_MAX, empty=False)
    _text(f.get("asset"), "asset", NAME_MAX, none=True), _text(f.get("location"), "location", NAME_MAX, none=True)
    if f.get("type") not in WORK_ORDER_TYPES:
        raise Invalid(f"work order type {f.get('type')!r} is not one of {', '.join(WORK_ORDER_TYPES)}")
    named = f.get("account_id")
    if named is not None and (type(named) is not int or named != account_id):
        raise Invalid(f"the work order names account {named!r}, not its site's account {account_id}")


def _inventory_move(f: dict, _account: int | None) -> None:
    _only(f, {"part", "quantity", "from_location", "to_location", "work_order_id", "weight_check"}, "parts move")
    _text(f.get("part"), "part", NAME_MAX, empty=False)
    if type(f.get("quantity")) is not int or not 0 < f["quantity"] <= 1_000_000:
        raise Invalid(f"quantity {f.get('quantity')!r} is not a positive whole number")
    _text(f.get("from_location"), "from_location", NAME_MAX), _text(f.get("to_location"), "to_location", NAME_MAX)
    _ref(f.get("work_order_id")), _verdict(f.get("weight_check"), "weight_check")


def _dispatch(f: dict, _account: int | None) -> None:
    _only(f, {"technician", "work_order_ids", "stops", "route"}, "dispatch")
    _text(f.get("technician"), "technician", NAME_MAX, empty=False)
    ids, stops = f.get("work_order_ids"), f.get("stops")
    if not isinstance(ids, list) or not 0 < len(ids) <= LIST_MAX:
        raise Invalid("work_order_ids must be a list of 1-200 work order ids")
    for rid in ids:
        _uuid(rid, "work order id")
    if not isinstance(stops, list) or len(stops) > LIST_MAX or not all(
            isinstance(p, list) and len(p) == 2 and all(type(c) is int for c in p) for p in stops):
        raise Invalid("stops must be a list of at most 200 [x, y] whole-number points")
    _verdict(f.get("route"), "route")


def _scan(f: dict, _account: int | None) -> None:
    _only(f, {"code", "source", "check", "work_order_id"}, "scan")
    _text(f.get("code"), "code", 64, empty=False), _text(f.get("source"), "source", 20)
    _ref(f.get("work_order_id")), _verdict(f.get("check"), "check")


FIELDS = {"work_order": _work_order, "inventory_move": _inventory_move, "dispatch": _dispatch, "scan": _scan}


def _register(name: str, reg: Any, key: str) -> None:
    if not isinstance(reg, dict) or set(reg) - {"v", "hlc", "seen"} or "v" not in reg:
        raise Invalid(f"register '{key}' is not {{v, hlc, seen}}")
    _hlc(reg.get("hlc"), f"{key} hlc")
    seen = reg.get("seen", {})
    if not isinstance(seen, dict) or len(seen) > 10 or not all(isinstance(v, str) and _HLC.match(v) for v in seen.values()):
        raise Invalid(f"register '{key}' has a malformed 'seen'")
    v = reg["v"]
    ok = {
        "status": lambda: v in STATUSES,
        "priority": lambda: v in PRIORITIES,
        "assignee": lambda: v is None or (isinstance(v, str) and len(v) <= NAME_MAX),
        "progress_pct": lambda: type(v) is int and 0 <= v <= 100,
        "labour_minutes": lambda: v is None or (type(v) is int and 0 <= v <= MINUTES_MAX),
        "needs_case": lambda: type(v) is bool,
    }.get(name, lambda: False)()
    if not ok:
        raise Invalid(f"register '{key}' holds {str(v)[:40]!r}, not an allowed {name}")


def _entry(entry: Any, key: str, writers: set[str]) -> None:
    if not isinstance(entry, dict):
        raise Invalid(f"history entry '{key}' is not an object")
    if entry.get("op") not in HISTORY_OPS:
        raise Invalid(f"history entry '{key}' has an unknown op {str(entry.get('op'))[:40]!r}")
    if entry.get("by") not in writers:
        raise Invalid(f"history entry '{key}' is signed by {str(entry.get('by'))[:40]!r}")
    _hlc(entry.get("hlc"), f"{key} hlc"), _text(entry.get("at"), f"{key} at", 40)
    for name, value in entry.items():
        if isinstance(value, str) and len(value) > TEXT_MAX:
            raise Invalid(f"'{name}' of history entry '{key}' is {len(value)} characters; at most {TEXT_MAX}")
    if len(json.dumps(entry)) > 4 * TEXT_MAX + VERDICT_MAX:
        raise Invalid(f"history entry '{key}' is too large")


def _only(fields: dict, allowed: set[str], what: str) -> None:
    extra = sorted(set(fields) - allowed)
    if extra:
        raise Invalid(f"a {what} has no field {extra[0][:40]!r}")


def _text(value: Any, name: str, limit: int, *, none: bool = False, empty: bool = True) -> None:
    if value is None and none:
        return
    if not isinstance(value, str):
        raise Invalid(f"{name} is a {type(value).__name__}, not text")
    if len(value) > limit:
        raise Invalid(f"{name} is {len(value)} characters; at most {limit}")
    if not empty and not value.strip():
        raise Invalid(f"{name} is empty")
    if any(ord(c) < 32 and c not in "\t\n" for c in value) or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise Invalid(f"{name} holds control characters or lone surrogates")


def _hlc(value: Any, name: str) -> None:
    if not isinstance(value, str) or not _HLC.match(value):
        raise Invalid(f"{name} {str(value)[:40]!r} is not a clock stamp (13-digit ms.6-digit counter.writer)")


def _ref(value: Any) -> None:
    if value is not None:
        _uuid(value, "work_order_id")


def _uuid(value: Any, name: str) -> None:
    try:
        if not isinstance(value, str) or str(uuid.UUID(value)) != value:
            raise ValueError
    except ValueError:
        raise Invalid(f"{name} {str(value)[:40]!r} is not a lower-case UUID") from None


def _verdict(value: Any, name: str) -> None:
    if value is not None and (not isinstance(value, dict) or len(json.dumps(value)) > VERDICT_MAX):
        raise Invalid(f"{name} must be an object of at most {VERDICT_MAX} characters of JSON")


def _loads(text: Any, where: str = "a value") -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        raise Invalid(f"{where} is not JSON") from None
