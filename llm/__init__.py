"""Models for Tessera's agents, looked up by name; `register_offline_model` serves `tessera/offline`.

LiteLLM (about 200 MB and 3 s to import) is imported only when a model other than the offline one is asked for,
or when someone calls `litellm_module()`: the offline model is answered in-process by `OfflineChatModel`, and
registered as LiteLLM's custom provider "tessera" as soon as LiteLLM is loaded, so both paths give one answer."""
from __future__ import annotations

import datetime as dt
import os
import sys
import threading
from collections.abc import Callable

from llm.offline.decide import TurnPolicy
from llm.offline.lexicon import EntityName, Lexicon
from llm.offline.trace import parse_trace

PROVIDER = "tessera"
OFFLINE_MODEL = f"{PROVIDER}/offline"
# The key of a run's `configurable` under which the runtime gives the offline model the names its user may see.
TURN_NAMES = "offline_names"

__all__ = ["OFFLINE_MODEL", "TURN_NAMES", "EntityName", "Lexicon", "offline_policy", "parse_trace",
           "register_offline_model", "litellm_module", "turn_names"]

_policy = TurnPolicy()
_lock = threading.Lock()


def offline_policy() -> TurnPolicy:
    """The offline model's policy as last registered (its lexicon follows the store's names)."""
    return _policy


def register_offline_model(lexicon: Lexicon | None = None, *, clock: Callable[[], dt.date] | None = None,
                           examples: Lexicon | None = None) -> None:
    """Serve `tessera/offline` from this process with this lexicon and clock; safe to call again (a reloaded
    lexicon replaces the old one, and LiteLLM's "tessera" provider entry is replaced, never duplicated).
    `examples` are the names taken out of the tools' example utterances (by default `lexicon`)."""
    global _policy
    _policy = TurnPolicy(lexicon, clock, examples=examples)
    if "litellm" in sys.modules:
        _register_with(sys.modules["litellm"])


def turn_names() -> Lexicon | None:
    """The names the user of the running turn may see, as the runtime put them in the run's configuration
    (`configurable[TURN_NAMES]`, read through LangChain's config of the running node); None outside such a run."""
    from langchain_core.runnables.config import ensure_config

    names = (ensure_config().get("configurable") or {}).get(TURN_NAMES)
    return names if isinstance(names, Lexicon) else None


def litellm_module():
    """LiteLLM, imported on first need, with `tessera/offline` registered as its custom provider."""
    with _lock:
        fresh = "litellm" not in sys.modules
        # Before litellm is imported: otherwise it fetches its price list from the network for seconds.
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        if fresh or not any(p.get("provider") == PROVIDER for p in litellm.custom_provider_map):
            _register_with(litellm)
    return litellm


def _register_with(litellm) -> None:
    from llm.offline.provider import OfflineModel

    handler = OfflineModel(policy=_policy)
    others = [item for item in litellm.custom_provider_map if item.get("provider") != PROVIDER]
    litellm.custom_provider_map = [*others, {"provider": PROVIDER, "custom_handler": handler}]


def __getattr__(name: str):
    if name == "OfflineModel":  # the LiteLLM provider class: importing it imports LiteLLM
        from llm.offline.provider import OfflineModel

        return OfflineModel
    raise AttributeError(name)
