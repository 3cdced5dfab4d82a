"""Word between workers on PostgreSQL (LISTEN/NOTIFY): after an erasure renames people, the worker that ran it tells
the others to reload the offline model's name lexicon, so no worker keeps recognising an erased name."""
from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable

log = logging.getLogger("tessera.broadcast")
LEXICON = "tessera_lexicon"


class LexiconBroadcast:
    """Listens on a connection of its own; `announce()` tells every other listening worker to call `on_change`."""

    def __init__(self, url: str, on_change: Callable[[], None]):
        self.conninfo = url.replace("postgresql+psycopg://", "postgresql://")
        self.on_change = on_change
        self.me = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="tessera-lexicon-listener", daemon=True)
        self._thread.start()
        self._listening.wait(10)

    def announce(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5) as conn:
                conn.execute("SELECT pg_notify(%s, %s)", (LEXICON, self.me))
        except psycopg.Error:  # the others reload at their next start; the erasure itself is done
            log.exception("could not tell the other workers to reload the name lexicon")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _listen(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {LEXICON}")
                    self._listening.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            if note.payload != self.me:
                                self._changed()
            except psycopg.Error:
                log.warning("lexicon listener lost its connection; reconnecting", exc_info=True)
                self._stop.wait(1.0)
            finally:
                self._listening.set()

    def _changed(self) -> None:
        try:
            self.on_change()
        except Exception:  # noqa: BLE001 - a failed reload must not stop the listener
            log.exception("reloading the name lexicon failed")
