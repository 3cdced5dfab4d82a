"""Edge records over pycrdt: work orders, inventory moves, dispatches and scan events, each with its history.

Layout, per shard document (shard = first 8 hex digits of the record id, modulo the shard count):
    doc[kind]                      a Map of record id -> record Map, one root map per kind
    record["head"]                 id, kind, origin, created_at, hlc and the fields fixed at creation
    record["r/<field>/<writer>"]   one writer's register for a mutable field: {"v", "hlc", "seen"} (conflicts.py)
    record["h/<entry id>"]         a history entry {"op", "by", "hlc", "at", ...}; entries are only ever added
Values are JSON strings: much smaller in memory than nested CRDT values, and integers stay integers (Yrs keeps
numbers as f64). Quantities and money are integers in minor units.
"""
from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from pycrdt import Map

from edge_agent.clock import HybridClock, to_iso
from edge_agent.conflicts import FIELD_RULES, Register, Resolution, resolve
from edge_agent.persistence import DocSet

KINDS = ("work_order", "inventory_move", "dispatch", "scan")
_ENTRY_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


class RecordNotFound(LookupError):
    pass


class RecordQuarantined(RecordNotFound):
    """The record failed screening (screening.py): it is neither shown nor acted on; the message says why."""


Screen = Callable[[str, str, Any], "str | None"]  # (kind, record id, raw record) -> why it may not be trusted, or None


class RecordStore:
    """Reads and writes edge records in a `DocSet` as one writer (a node id, or "central")."""

    def __init__(self, docset: DocSet, writer: str, clock: HybridClock | None = None, *, screen: Screen | None = None,
                 on_quarantine: Callable[[str, str, str], None] | None = None):
        self.docset = docset
        self.writer = writer
        self.clock = clock or HybridClock(writer)
        self._roots: dict[tuple[str, int], Map] = {}
        self.screen = screen  # at the centre: what a node synced is screened before it is read
        self.on_quarantine = on_quarantine
        self.quarantined: dict[tuple[str, str], str] = {}  # (kind, record id) -> why

    # -- placement -------------------------------------------------------------------------------------------
    def shard_of(self, record_id: str) -> int:
        return int(record_id.replace("-", "")[:8], 16) % len(self.docset.docs)

    def _root(self, kind: str, shard: int) -> Map:
        root = self._roots.get((kind, shard))
        if root is None:
            if kind not in KINDS:
                raise ValueError(f"unknown record kind {kind!r}; expected one of {', '.join(KINDS)}")
            # kept: an observer lives only as long as the Map object it was installed on
            root = self._roots[(kind, shard)] = self.docset.docs[shard].get(kind, type=Map)
        return root

    def _record(self, kind: str, record_id: str) -> Map | None:
        return self._root(kind, self.shard_of(record_id)).get(record_id)

    # -- writing ---------------------------------------------------------------------------------------------
    def create(self, kind: str, fields: dict, *, record_id: str | None = None, registers: dict | None = None,
               entry: dict | None = None) -> dict:
        """Add a record; with a known `record_id` a repeated create returns the record as it is (idempotent)."""
        record_id = _uuid(record_id) if record_id else str(uuid.uuid4())
        shard = self.shard_of(record_id)
        root = self._root(kind, shard)
        existing = root.get(record_id)
        if existing is not None:
            return self._plain(kind, existing)
        stamp = self.clock.now()
        head = {"id": record_id, "kind": kind, "origin": self.writer, "hlc": stamp, "created_at": to_iso(stamp), "fields": fields}
        body = {"head": _dump(head)}
        for name, value in (registers or {}).items():
            body[f"r/{name}/{self.writer}"] = _dump({"v": value, "hlc": stamp, "seen": {}})
        body[f"h/{uuid.uuid4().hex[:16]}"] = _dump({"op": "created", **(entry or {}), "by": self.writer, "hlc": stamp, "at": to_iso(stamp)})
        with self.docset.docs[shard].transaction():
            root[record_id] = Map(body)
        self.docset.check_durable()
        return self.read(kind, record_id)

    def update(self, kind: str, record_id: str, entry: dict, *, set_fields: dict | None = None,
               add_to: dict | None = None, entry_id: str | None = None) -> dict:
        """Set registers (`set_fields`), add to counters (`add_to`) and append one history entry, in one transaction.

        With an `entry_id` the change is applied once: repeating it (a client retry) returns the record unchanged.
        """
        record = self._require(kind, record_id)
        key = f"h/{_entry_id(entry_id)}" if entry_id else f"h/{uuid.uuid4().hex[:16]}"
        if key in record:
            return self._plain(kind, record)
        values = self._values(record)
        registers = _registers(values)
        touched = set(set_fields or {}) | set(add_to or {})
        after = max((r.hlc for name in touched for r in registers.get(name, [])), default=None)
        stamp = self.clock.now(after=after)
        with self.docset.docs[self.shard_of(record_id)].transaction():
            for name, value in {**(set_fields or {}), **{n: None for n in add_to or {}}}.items():
                regs = registers.get(name, [])
                if name in (add_to or {}):
                    own = next((r.value for r in regs if r.writer == self.writer), 0)
                    value = int(own) + int(add_to[name])
                seen = {r.writer: r.hlc for r in regs if r.writer != self.writer}
                record[f"r/{name}/{self.writer}"] = _dump({"v": value, "hlc": stamp, "seen": seen})
            record[key] = _dump({**entry, "by": self.writer, "hlc": stamp, "at": to_iso(stamp)})
        self.docset.check_durable()
        return self._plain(kind, record)

    def add_entries(self, kind: str, entries: list[tuple[str, str, dict]]) -> int:
        """Append history entries (record id, entry id, entry) under deterministic ids, each once, one transaction
        per shard. Entries already present are skipped; returns how many were added."""
        by_shard: dict[int, list[tuple[str, str, dict]]] = {}
        for record_id, entry_id, entry in entries:
            by_shard.setdefault(self.shard_of(record_id), []).append((record_id, f"h/{_entry_id(entry_id)}", entry))
        added = 0
        for shard, items in by_shard.items():
            with self.docset.docs[shard].transaction():
                for record_id, key, entry in items:
                    record = self._require(kind, record_id)
                    if key in record:
                        continue
                    if "hlc" not in entry:
                        stamp = self.clock.now()
                        entry = {**entry, "by": self.writer, "hlc": stamp, "at": to_iso(stamp)}
                    record[key] = _dump(entry)
                    added += 1
        self.docset.check_durable()
        return added

    # -- reading ---------------------------------------------------------------------------------------------
    def has_entry(self, kind: str, record_id: str, entry_id: str) -> bool:
        return f"h/{_entry_id(entry_id)}" in self._require(kind, record_id)

    def read(self, kind: str, record_id: str) -> dict:
        return self._plain(kind, self._require(kind, record_id))

    def get(self, kind: str, record_id: str) -> dict | None:
        record = self._record(kind, record_id)
        return None if record is None else self._plain(kind, self._admitted(kind, record_id, record))

    def quarantine(self, kind: str, record_id: str, reason: str) -> None:
        """From now on the record is neither read, listed nor reviewed here; `on_quarantine` hears of it once."""
        if (kind, record_id) in self.quarantined:
            return
        self.quarantined[(kind, record_id)] = reason
        if self.on_quarantine is not None:
            self.on_quarantine(kind, record_id, reason)

    def _admitted(self, kind: str, record_id: str, record: Any) -> Any:
        """The record if it may be read; RecordQuarantined otherwise (screening it first, where a screen is set)."""
        if (kind, record_id) not in self.quarantined and self.screen is not None:
            raw = json.loads(str(record)) if isinstance(record, Map) else record
            reason = self.screen(kind, record_id, raw)
            if reason is not None:
                self.quarantine(kind, record_id, reason)
        if (kind, record_id) in self.quarantined:
            raise RecordQuarantined(f"{kind.replace('_', ' ')} {record_id} is quarantined: {self.quarantined[(kind, record_id)]}")
        return record

    def ids(self, kind: str) -> Iterator[str]:
        for shard in range(len(self.docset.docs)):
            yield from self._root(kind, shard).keys()

    def all(self, kind: str) -> list[dict]:
        out = []
        for shard in range(len(self.docset.docs)):
            # one JSON export per shard map (done in Yrs) is far cheaper than walking record maps key by key
            for record_id, record in json.loads(str(self._root(kind, shard))).items():
                try:
                    self._admitted(kind, record_id, record)
                    out.append(self._plain(kind, {key: json.loads(value) for key, value in record.items()}))
                except RecordQuarantined:
                    continue
                except (TypeError, ValueError, KeyError, AttributeError) as exc:  # one bad record never hides the rest
                    self.quarantine(kind, record_id, f"unreadable: {type(exc).__name__}: {exc}")
        return out

    def count(self, kind: str) -> int:
        return sum(len(self._root(kind, shard)) for shard in range(len(self.docset.docs)))

    def find_prefix(self, kind: str, prefix: str) -> list[str]:
        """Record ids starting with `prefix` (at least 8 hex digits pin the shard, so only one map is read)."""
        prefix = prefix.lower()
        shards = [self.shard_of(prefix)] if len(prefix.replace("-", "")) >= 8 else range(len(self.docset.docs))
        return [rid for shard in shards for rid in self._root(kind, shard).keys()
                if rid.startswith(prefix) and (kind, rid) not in self.quarantined]

    def review(self, kind: str, record_id: str) -> tuple[dict, list[Resolution]] | None:
        """The record as plain data and the conflicts on it whose resolution is not yet in its history."""
        record = self._record(kind, record_id)
        if record is None:
            return None
        try:
            values = self._values(self._admitted(kind, record_id, record))
        except RecordQuarantined:
            return None
        found = []
        for name, regs in _registers(values).items():
            _, resolution = resolve(name, regs)
            if resolution is not None and f"h/{resolution.key}" not in values:
                found.append(resolution)
        return self._plain(kind, values), found

    def watch(self, kind: str, on_change: Callable[[str, dict], None]) -> None:
        """Call `on_change(record_id, changes)` whenever a record of this kind changes; `changes` is the CRDT's
        {key: {"action", "newValue", ...}} for the record's keys, or {"": {"action": ...}} when the record itself
        was added, replaced or deleted. Install once per store: observers are kept for the life of the documents
        (dropped ones leak in Yrs)."""
        for shard in range(len(self.docset.docs)):
            self._root(kind, shard).observe_deep(lambda events: _touched(events, on_change))

    def _require(self, kind: str, record_id: str) -> Map:
        record = self._record(kind, record_id)
        if record is None:
            raise RecordNotFound(f"no {kind.replace('_', ' ')} with id {record_id}")
        return self._admitted(kind, record_id, record)

    @staticmethod
    def _values(record: Map) -> dict[str, Any]:
        return {key: json.loads(value) for key, value in json.loads(str(record)).items()}

    def _plain(self, kind: str, record: Map | dict) -> dict:
        values = record if isinstance(record, dict) else self._values(record)
        head = values["head"]
        fields = dict(head["fields"])
        registers = _registers(values)
        names = FIELD_RULES if kind == "work_order" else registers
        for name in names:
            fields[name], _ = resolve(name, registers.get(name, []))
        history = sorted(
            ({"id": key[2:], **entry} for key, entry in values.items() if key.startswith("h/")),
            key=lambda e: (e["hlc"], e["id"]),
        )
        return {
            "id": head["id"],
            "kind": head["kind"],
            "origin": head["origin"],
            "created_at": head["created_at"],
            "updated_at": history[-1]["at"] if history else head["created_at"],
            "fields": fields,
            "history": history,
        }


def _registers(values: dict[str, Any]) -> dict[str, list[Register]]:
    out: dict[str, list[Register]] = {}
    for key, reg in values.items():
        if key.startswith("r/"):
            _, name, writer = key.split("/", 2)
            out.setdefault(name, []).append(Register(writer, reg["v"], reg["hlc"], reg.get("seen", {})))
    return out


def _touched(events: list, on_change: Callable[[str, dict], None]) -> None:
    for event in events:
        keys = getattr(event, "keys", None)
        if len(event.path) == 1:
            on_change(str(event.path[0]), dict(keys) if isinstance(keys, dict) else {"...": {"action": "update"}})
        elif event.path:  # inside a value of a record: records hold only JSON text, so this is never ours
            on_change(str(event.path[0]), {f"{event.path[1]}/...": {"action": "update"}})
        else:
            for record_id, change in (keys or {}).items():
                on_change(str(record_id), {"": {"action": change.get("action")}})


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError(f"record id {value!r} is not a UUID; omit it to let the node choose one") from None


def _entry_id(value: str) -> str:
    if not _ENTRY_ID.match(value):
        raise ValueError(f"operation id {value!r} must be 1-100 letters, digits or . _ : -")
    return value
