"""A scripted chat model served through LiteLLM (provider `scripted/...`): tests enqueue replies, read history."""
from __future__ import annotations

import json
import uuid

import litellm
from litellm import CustomLLM
from litellm.types.utils import ChatCompletionMessageToolCall, Choices, Function, Message


class ScriptedModel(CustomLLM):
    """Answers each completion with the next enqueued reply; `history` keeps what each call was given."""

    def __init__(self):
        super().__init__()
        self.replies: list[dict] = []
        self.history: list[dict] = []

    def enqueue(self, *replies: dict) -> None:
        self.replies.extend(replies)

    def completion(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose, encoding,
                   api_key, logging_obj, optional_params, *args, **kwargs):
        self.history.append({"model": model, "messages": messages, "tools": optional_params.get("tools", [])})
        if not self.replies:
            raise RuntimeError(f"scripted model {model} has no reply left")
        reply = self.replies.pop(0)
        if reply.get("fail"):
            raise litellm.exceptions.ServiceUnavailableError(message="scripted outage", llm_provider="scripted",
                                                             model=model)
        calls = [ChatCompletionMessageToolCall(id=f"call_{uuid.uuid4().hex[:8]}", type="function",
                                               function=Function(name=c["name"], arguments=json.dumps(c["args"])))
                 for c in reply.get("tool_calls", [])]
        message = Message(role="assistant", content=reply.get("content", ""), tool_calls=calls or None)
        model_response.choices = [Choices(index=0, message=message, finish_reason="tool_calls" if calls else "stop")]
        model_response.model = model
        return model_response

    async def acompletion(self, *args, **kwargs):
        return self.completion(*args, **kwargs)


def install(model: ScriptedModel) -> None:
    others = [p for p in litellm.custom_provider_map if p.get("provider") != "scripted"]
    litellm.custom_provider_map = [*others, {"provider": "scripted", "custom_handler": model}]
