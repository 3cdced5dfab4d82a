"""Remembering what was already seen for a while: Slack event ids, request signatures, WeCom message ids."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class RecentKeys:
    """A bounded, thread-safe set whose keys expire after `ttl` seconds (one process; see channels/README.md)."""

    def __init__(self, ttl: float = 600.0, limit: int = 50_000, clock: Callable[[], float] = time.monotonic):
        self.ttl, self.limit, self.clock = ttl, limit, clock
        self._keys: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: str | None) -> bool:
        """True the first time `key` is offered within the ttl (and remembers it); None keys are always new."""
        if not key:
            return True
        now = self.clock()
        with self._lock:
            while self._keys and (next(iter(self._keys.values())) < now - self.ttl or len(self._keys) > self.limit):
                self._keys.popitem(last=False)
            if key in self._keys:
                return False
            self._keys[key] = now
            return True

    def forget(self, key: str) -> None:
        with self._lock:
            self._keys.pop(key, None)
