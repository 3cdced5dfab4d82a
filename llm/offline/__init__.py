"""Tessera's offline model: a tool-calling chat model answered in-process (`OfflineChatModel`) and served through
LiteLLM as `tessera/offline` (`OfflineModel`, imported on demand: it loads LiteLLM)."""
from llm.offline.lexicon import EntityName, Lexicon, Match
from llm.offline.trace import parse_trace

__all__ = ["EntityName", "Lexicon", "Match", "OfflineModel", "parse_trace"]


def __getattr__(name: str):
    if name == "OfflineModel":
        from llm.offline.provider import OfflineModel

        return OfflineModel
    raise AttributeError(name)
