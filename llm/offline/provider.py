"""`tessera/offline`: the offline model as a LiteLLM custom provider (OpenAI-style replies, tool calls)."""
from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import litellm
from litellm.types.utils import ChatCompletionMessageToolCall, Choices, Function, GenericStreamingChunk, Message, Usage

from llm.offline.decide import Reply, TurnPolicy
from llm.offline.lexicon import Lexicon


class OfflineModel(litellm.CustomLLM):
    """A tool-calling chat model that needs no API: intent by E5 similarity, arguments by extractors."""

    def __init__(self, lexicon: Lexicon | None = None, clock: Callable[[], dt.date] | None = None, *,
                 policy: TurnPolicy | None = None):
        super().__init__()
        self.policy = policy or TurnPolicy(lexicon, clock)

    @property
    def lexicon(self) -> Lexicon:
        return self.policy.lexicon

    @lexicon.setter
    def lexicon(self, lexicon: Lexicon) -> None:
        """Swap the gazetteers (the runtime reloads names from the CRM store)."""
        self.policy.lexicon = lexicon

    def decide(self, messages: list, optional_params: dict | None = None) -> Reply:
        from llm import turn_names

        params = optional_params or {}
        return self.policy.reply(messages, params.get("tools"), params.get("tool_choice"), names=turn_names())

    def completion(self, model: str, messages: list, api_base: str, custom_prompt_dict: dict,
                   model_response: litellm.ModelResponse, print_verbose: Callable, encoding, api_key,
                   logging_obj, optional_params: dict, *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        started = time.perf_counter()
        reply = self.decide(messages, optional_params)
        return _fill_response(model_response, model, messages, reply, time.perf_counter() - started)

    async def acompletion(self, model: str, messages: list, api_base: str, custom_prompt_dict: dict,
                          model_response: litellm.ModelResponse, print_verbose: Callable, encoding, api_key,
                          logging_obj, optional_params: dict, *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        # A few milliseconds of CPU: cheaper inline than a thread hop.
        return self.completion(model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                               encoding, api_key, logging_obj, optional_params)

    def streaming(self, model: str, messages: list, *args: Any, optional_params: dict | None = None,
                  **kwargs: Any) -> Iterator[GenericStreamingChunk]:
        yield from _chunks(self.decide(messages, optional_params))

    async def astreaming(self, model: str, messages: list, *args: Any, optional_params: dict | None = None,
                         **kwargs: Any) -> AsyncIterator[GenericStreamingChunk]:
        for chunk in _chunks(self.decide(messages, optional_params)):
            yield chunk


def _call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


def _fill_response(response: litellm.ModelResponse, model: str, messages: list, reply: Reply,
                   seconds: float) -> litellm.ModelResponse:
    calls = [ChatCompletionMessageToolCall(id=_call_id(), type="function",
                                           function=Function(name=c.name, arguments=json.dumps(c.arguments, ensure_ascii=False)))
             for c in reply.tool_calls] or None
    response.choices = [Choices(index=0, finish_reason="tool_calls" if calls else "stop",
                                message=Message(role="assistant", content=reply.content, tool_calls=calls))]
    response.model = model
    prompt = sum(len(str(m.get("content") or "")) for m in messages if isinstance(m, dict)) // 4
    completion = len(reply.content) // 4 + sum(len(json.dumps(c.arguments)) for c in reply.tool_calls) // 4
    response.usage = Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)
    response._hidden_params["offline"] = {**reply.trace, "kind": reply.kind, "seconds": round(seconds, 4)}
    return response


def _chunks(reply: Reply) -> Iterator[GenericStreamingChunk]:
    """The whole reply as stream chunks: the text, then one chunk per tool call, then the finish."""
    yield GenericStreamingChunk(text=reply.content, tool_use=None, is_finished=False, finish_reason="",
                                usage=None, index=0)
    for i, call in enumerate(reply.tool_calls):
        yield GenericStreamingChunk(
            text="", is_finished=False, finish_reason="", usage=None, index=0,
            tool_use={"id": _call_id(), "type": "function", "index": i,
                      "function": {"name": call.name, "arguments": json.dumps(call.arguments, ensure_ascii=False)}})
    yield GenericStreamingChunk(text="", tool_use=None, is_finished=True, usage=None, index=0,
                                finish_reason="tool_calls" if reply.tool_calls else "stop")
