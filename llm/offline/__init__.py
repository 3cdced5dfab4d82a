"""Tessera's offline model: a tool-calling chat model served in-process through LiteLLM as `tessera/offline`."""
from llm.offline.lexicon import EntityName, Lexicon, Match
from llm.offline.provider import OfflineModel
from llm.offline.trace import parse_trace

__all__ = ["EntityName", "Lexicon", "Match", "OfflineModel", "parse_trace"]
