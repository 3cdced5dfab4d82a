"""Models for Tessera's agents, looked up by name through LiteLLM; `register_offline_model` adds `tessera/offline`."""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

# Before litellm is imported anywhere: otherwise it fetches its price list from the network for seconds.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm  # noqa: E402

from llm.offline import EntityName, Lexicon, OfflineModel, parse_trace  # noqa: E402

PROVIDER = "tessera"
OFFLINE_MODEL = f"{PROVIDER}/offline"

__all__ = ["OFFLINE_MODEL", "EntityName", "Lexicon", "OfflineModel", "parse_trace", "register_offline_model"]


def register_offline_model(lexicon: Lexicon | None = None, *, clock: Callable[[], dt.date] | None = None) -> None:
    """Serve `tessera/offline` from this process: (re)places the "tessera" entry of litellm.custom_provider_map.

    Safe to call again (e.g. with a reloaded lexicon): the entry is replaced, never duplicated.
    """
    handler = OfflineModel(lexicon, clock)
    others = [item for item in litellm.custom_provider_map if item.get("provider") != PROVIDER]
    litellm.custom_provider_map = [*others, {"provider": PROVIDER, "custom_handler": handler}]
