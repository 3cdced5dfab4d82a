"""The one model factory: a LangChain chat model for a model string, through LiteLLM (with fallbacks via its
Router); the offline model without fallbacks is answered in-process, so LiteLLM is not loaded for it."""
from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from llm import OFFLINE_MODEL, litellm_module


def chat_model(model: str, fallbacks: list[str] | tuple[str, ...] = (), **model_kwargs) -> BaseChatModel:
    """`model` is any LiteLLM model string; `fallbacks` are tried in order when it fails."""
    backups = [m for m in fallbacks if m != model]
    if model == OFFLINE_MODEL and not backups and not model_kwargs:
        from llm.offline.chat import OfflineChatModel

        return OfflineChatModel()
    litellm = litellm_module()
    from langchain_litellm import ChatLiteLLM, ChatLiteLLMRouter

    if not backups:
        return ChatLiteLLM(model=model, temperature=0, model_kwargs=model_kwargs)
    router = litellm.Router(
        model_list=[{"model_name": m, "litellm_params": {"model": m}} for m in [model, *backups]],
        fallbacks=[{model: backups}],
        num_retries=0,
    )
    return ChatLiteLLMRouter(router=router, model=model, model_name=model, temperature=0, model_kwargs=model_kwargs)
