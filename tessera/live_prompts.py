"""The prompt text each agent runs: the version labelled `production` in the prompt registry, else the file.

Read on every model call (one small query), so a promotion or a rollback applies from the next call in every
worker; a version's text never changes once written, so texts are cached by (prompt, version)."""
from __future__ import annotations

import threading

from crm.prompt_registry.service import production_version, text_of
from crm.store import Store
from prompts import load_prompt, prompt_files


class LivePrompts:
    def __init__(self, store: Store):
        self.store = store
        self.files = prompt_files()
        self._texts: dict[tuple[str, int], str] = {}
        self._lock = threading.Lock()

    def text(self, name: str) -> str:
        if name not in self.files:
            return load_prompt(name).text  # raises FileNotFoundError, naming the folder
        with self.store.engine.connect() as conn:  # a bare connection: a quarter of a session's cost per call
            version = production_version(conn, self.files, name)
        key = (name, version)
        if key not in self._texts:
            with self.store.session() as s:
                found = text_of(s, self.files, name, version)
            with self._lock:
                self._texts[key] = found
        return self._texts[key]

    def versions(self, names: list[str]) -> dict[str, int]:
        """The production version of each of `names` now (what an eval run used)."""
        with self.store.session() as s:
            return {n: production_version(s, self.files, n) for n in names if n in self.files}
