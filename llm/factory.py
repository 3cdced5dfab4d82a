"""The one model factory: a LangChain chat model over LiteLLM for a model string, with fallbacks via its Router."""
from __future__ import annotations

import llm  # noqa: F401  (sets LiteLLM to its local cost map before litellm is imported)

import litellm
from langchain_core.language_models import BaseChatModel
from langchain_litellm import ChatLiteLLM, ChatLiteLLMRouter


def chat_model(model: str, fallbacks: list[str] | tuple[str, ...] = (), **model_kwargs) -> BaseChatModel:
    """`model` is any LiteLLM model string; `fallbacks` are tried in order when it fails."""
    backups = [m for m in fallbacks if m != model]
    if not backups:
        return ChatLiteLLM(model=model, temperature=0, model_kwargs=model_kwargs)
    router = litellm.Router(
        model_list=[{"model_name": m, "litellm_params": {"model": m}} for m in [model, *backups]],
        fallbacks=[{model: backups}],
        num_retries=0,
    )
    return ChatLiteLLMRouter(router=router, model=model, model_name=model, temperature=0, model_kwargs=model_kwargs)
