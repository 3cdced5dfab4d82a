"""`tessera/offline` as a LangChain chat model answered in-process: the same policy LiteLLM's "tessera" provider
serves, with the messages and replies converted as langchain-litellm converts them, minus LiteLLM's import and
per-call overhead."""
from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ChatMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool

MODEL = "tessera/offline"


class OfflineChatModel(BaseChatModel):
    """The offline model without LiteLLM: `bind_tools` and `invoke` as with `ChatLiteLLM("tessera/offline")`."""

    model_name: str = MODEL

    @property
    def _llm_type(self) -> str:
        return "tessera-offline"

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any) -> Runnable:
        formatted = [convert_to_openai_tool(t) for t in tools]
        if tool_choice is True or tool_choice == "any":
            tool_choice = "required"
        return super().bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager=None,
                  **kwargs: Any) -> ChatResult:
        from llm import offline_policy, turn_names

        reply = offline_policy().reply([as_openai(m) for m in messages], kwargs.get("tools"),
                                       kwargs.get("tool_choice"), names=turn_names())
        calls = [{"id": f"call_{uuid.uuid4().hex[:24]}", "type": "function",
                  "function": {"name": c.name, "arguments": json.dumps(c.arguments, ensure_ascii=False)}}
                 for c in reply.tool_calls]
        prompt = sum(len(_text(m.content)) for m in messages) // 4
        completion = len(reply.content) // 4 + sum(len(json.dumps(c.arguments)) for c in reply.tool_calls) // 4
        message = AIMessage(
            content=reply.content or "",
            tool_calls=[{"name": c.name, "args": c.arguments, "id": call["id"], "type": "tool_call"}
                        for c, call in zip(reply.tool_calls, calls)],
            response_metadata={"model_name": self.model_name, "model_provider": "tessera"},
            usage_metadata=UsageMetadata(input_tokens=prompt, output_tokens=completion,
                                         total_tokens=prompt + completion))
        finish = "tool_calls" if calls else "stop"
        return ChatResult(generations=[ChatGeneration(message=message, generation_info={"finish_reason": finish})],
                          llm_output={"model": self.model_name})


def as_openai(message: BaseMessage) -> dict:
    """An OpenAI-format message, as langchain-litellm sends it to LiteLLM."""
    out: dict[str, Any] = {"content": message.content}
    if isinstance(message, ChatMessage):
        out["role"] = message.role
    elif isinstance(message, HumanMessage):
        out["role"] = "user"
    elif isinstance(message, AIMessage):
        out["role"] = "assistant"
        if message.tool_calls:
            out["tool_calls"] = [{"id": c["id"], "type": "function",
                                  "function": {"name": c["name"], "arguments": json.dumps(c["args"])}}
                                 for c in message.tool_calls]
        elif "tool_calls" in message.additional_kwargs and not message.invalid_tool_calls:
            out["tool_calls"] = message.additional_kwargs["tool_calls"]
    elif isinstance(message, SystemMessage):
        out["role"] = "system"
    elif isinstance(message, ToolMessage):
        out["role"] = "tool"
        out["tool_call_id"] = message.tool_call_id
    else:
        raise ValueError(f"the offline model cannot read a {type(message).__name__}")
    if "name" in message.additional_kwargs:
        out["name"] = message.additional_kwargs["name"]
    return out


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content or [])
