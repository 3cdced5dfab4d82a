"""Hybrid logical clocks: timestamps that sort like wall-clock time yet never go backwards for one writer.

A stamp is the string "<ms:13>.<counter:06>.<writer>", so string order is time order, ties broken by writer.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable


class HybridClock:
    """Issues stamps for one writer; `now(after=...)` also orders a stamp after any it has seen."""

    def __init__(self, writer: str, wall_ms: Callable[[], int] | None = None):
        if "." in writer:
            raise ValueError(f"writer id {writer!r} may not contain '.'; use letters, digits, '-' or '_'")
        self.writer = writer
        self._wall_ms = wall_ms or (lambda: time.time_ns() // 1_000_000)
        self._ms = 0
        self._counter = 0
        self._lock = threading.Lock()

    def now(self, after: str | None = None) -> str:
        with self._lock:
            floor_ms, floor_counter = parse(after) if after else (0, 0)
            wall = self._wall_ms()
            top = max(wall, self._ms, floor_ms)
            if top == self._ms and top == floor_ms:
                counter = max(self._counter, floor_counter) + 1
            elif top == self._ms:
                counter = self._counter + 1
            elif top == floor_ms:
                counter = floor_counter + 1
            else:
                counter = 0
            self._ms, self._counter = top, counter
            return f"{top:013d}.{counter:06d}.{self.writer}"


def parse(stamp: str) -> tuple[int, int]:
    ms, counter, _writer = stamp.split(".", 2)
    return int(ms), int(counter)


def writer_of(stamp: str) -> str:
    return stamp.split(".", 2)[2]


def to_iso(stamp: str) -> str:
    """The wall-clock part of a stamp as an ISO-8601 UTC time."""
    ms, _ = parse(stamp)
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
