"""Merge rules for work-order fields changed on both sides while apart, and the history entry each resolution leaves.

Every mutable field is kept as one register per writer (a node, the centre), so no write is lost at the CRDT
level; what a reader sees is the field's rule applied to all registers, the same on every replica:

    status          lattice open < assigned < in_progress < closed: the furthest state wins, so closed wins
    assignee        last writer wins, by hybrid logical clock
    priority        last writer wins, by hybrid logical clock
    progress_pct    the highest reported progress wins (progress only moves forward)
    labour_minutes  one counter per writer, summed: minutes booked on either side all count
    needs_case      true wins: once either side says a service case is needed, it is
    notes           appended: every note from every side is kept in the history, ordered by clock

A conflict is two or more registers written concurrently (neither writer had seen the other's value) holding
different values. The centre sees every write, so it appends one `conflict_resolved` entry per conflict to the
record's history. The entry's key is derived from the conflicting writes, so writing it again changes nothing.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from edge_agent.clock import to_iso

STATUSES = ("open", "assigned", "in_progress", "closed")


@dataclass(frozen=True)
class Register:
    """One writer's value for a field, stamped, with the other writers' stamps it had seen when writing."""

    writer: str
    value: Any
    hlc: str
    seen: Mapping[str, str] = field(default_factory=dict)

    def saw(self, other: Register) -> bool:
        return self.seen.get(other.writer, "") >= other.hlc


@dataclass(frozen=True)
class Rule:
    name: str
    explanation: str
    counts_as_conflict: bool = True

    def merge(self, registers: list[Register]) -> Any:
        raise NotImplementedError


class StatusLattice(Rule):
    def merge(self, registers: list[Register]) -> Any:
        return max((r.value for r in registers), key=STATUSES.index)


class LastWriterWins(Rule):
    def merge(self, registers: list[Register]) -> Any:
        return max(registers, key=lambda r: r.hlc).value


class Highest(Rule):
    def merge(self, registers: list[Register]) -> Any:
        return max(int(r.value) for r in registers)


class PerWriterCounter(Rule):
    def merge(self, registers: list[Register]) -> Any:
        return sum(int(r.value) for r in registers)


class TrueWins(Rule):
    def merge(self, registers: list[Register]) -> Any:
        return any(bool(r.value) for r in registers)


FIELD_RULES: dict[str, Rule] = {
    "status": StatusLattice("status_lattice", "status only moves forward (open < assigned < in_progress < closed); the furthest wins, so closed wins"),
    "assignee": LastWriterWins("last_writer_wins", "the later assignment by hybrid logical clock wins"),
    "priority": LastWriterWins("last_writer_wins", "the later priority by hybrid logical clock wins"),
    "progress_pct": Highest("highest", "progress only moves forward; the highest reported progress wins"),
    "labour_minutes": PerWriterCounter("per_writer_counter", "minutes booked on each side are summed", counts_as_conflict=False),
    "needs_case": TrueWins("true_wins", "once either side says a service case is needed, it is"),
}
DEFAULTS: dict[str, Any] = {"status": "open", "assignee": None, "priority": "normal", "progress_pct": 0, "labour_minutes": 0, "needs_case": False}


@dataclass(frozen=True)
class Resolution:
    """A conflict on one field and how its rule settled it."""

    field: str
    rule: Rule
    candidates: tuple[Register, ...]
    result: Any

    @property
    def key(self) -> str:
        writes = "|".join(sorted(f"{r.writer}={r.hlc}" for r in self.candidates))
        return f"resolve:{self.field}:{hashlib.sha1(writes.encode()).hexdigest()[:16]}"

    def history_entry(self, by: str) -> dict:
        stamp = max(r.hlc for r in self.candidates)
        return {
            "op": "conflict_resolved",
            "field": self.field,
            "rule": self.rule.name,
            "why": self.rule.explanation,
            "candidates": [{"by": r.writer, "value": r.value, "hlc": r.hlc} for r in sorted(self.candidates, key=lambda r: r.hlc)],
            "result": self.result,
            "by": by,
            "hlc": stamp,
            "at": to_iso(stamp),
        }


def concurrent_frontier(registers: Iterable[Register]) -> list[Register]:
    """The registers no other writer had seen: the writes still in play."""
    regs = list(registers)
    return [r for r in regs if not any(o.writer != r.writer and o.saw(r) for o in regs)]


def resolve(field_name: str, registers: list[Register]) -> tuple[Any, Resolution | None]:
    """The value every replica shows for a field, and the conflict it settled, if any."""
    if not registers:
        return DEFAULTS.get(field_name), None
    rule = FIELD_RULES[field_name]
    value = rule.merge(registers)
    if not rule.counts_as_conflict:
        return value, None
    frontier = concurrent_frontier(registers)
    if len(frontier) < 2 or len({repr(r.value) for r in frontier}) < 2:
        return value, None
    return value, Resolution(field_name, rule, tuple(frontier), value)
