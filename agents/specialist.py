"""A specialist: a model node that may call its own tools, and a tool node that runs them against the domain."""
from __future__ import annotations

import logging
import time
from dataclasses import replace
from collections.abc import Callable

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphBubbleUp
from langgraph.types import interrupt

from crm.autonomy.escalation import NeedsApproval

from agents import confirmation, spans
from agents.capabilities import capability_message
from agents.state import TurnState
from prompts import load_prompt
from tools.base import ToolContext, dumps
from agents.routing import role_toolset
from tools.schema import openai_tool

log = logging.getLogger("tessera.agents")
# A turn may take several tool steps (find, then act); past this many it stops with a plain answer, never a 500.
MAX_TOOL_STEPS = 4
STEP_LIMIT = f"this turn already ran {MAX_TOOL_STEPS} tool steps, the most one request may take; not run"
STOPPED = {"en": f"I stopped after {MAX_TOOL_STEPS} steps without finishing this request; nothing more was done. "
                 "Please say it again in smaller steps.",
           "zh": f"已执行 {MAX_TOOL_STEPS} 步仍未完成这个请求，已停止，没有再做任何操作。请分步再说一次。"}


def file_prompt(name: str) -> str:
    """A prompt's text from its file (prompts/): where no registry says which version runs."""
    return load_prompt(name).text


def make_model_node(agent: str, model: BaseChatModel, prompt_text: Callable[[str], str] = file_prompt) -> Callable:
    """`prompt_text(name)` gives the prompt's text at each call: the production version, so a rollback applies."""
    bound: dict[str | None, object] = {}  # per role: a role may reach more of this agent's tools (agents/routing.py)

    def call_model(state: TurnState, config: RunnableConfig) -> dict:
        actor = (config.get("configurable") or {}).get("actor")
        who = actor.role if actor is not None else None
        if who not in bound:
            bound[who] = model.bind_tools([openai_tool(t) for t in role_toolset(agent, who)])
        role = [capability_message(actor.role)] if actor is not None else []  # the user's own list, not this agent's
        reply = bound[who].invoke([SystemMessage(prompt_text(agent)), *role, *state["messages"]], config)
        return {"messages": [reply]}

    call_model.__name__ = f"{agent}_model"
    return call_model


def make_tool_node(agent: str, context_for: Callable[[RunnableConfig], ToolContext]) -> Callable:
    """Runs each requested tool; every call gets its tool message, errors included."""
    def run_tools(state: TurnState, config: RunnableConfig) -> dict:
        request: AIMessage = state["messages"][-1]
        ctx = context_for(config)
        specs = {t.name: t for t in role_toolset(agent, ctx.actor.role)}
        if tool_steps(state["messages"]) > MAX_TOOL_STEPS:  # a model that keeps calling: stop, plainly
            return {"messages": [*[ToolMessage(content=dumps({"ok": False, "error": STEP_LIMIT}), tool_call_id=c["id"],
                                               name=c["name"], status="error") for c in request.tool_calls],
                                 AIMessage(content=STOPPED[confirmation.language_of(state["messages"], "en")])]}
        lang = confirmation.language_of(state["messages"], ctx.actor.language)
        speaker = replace(ctx, actor=replace(ctx.actor, language=lang))  # plans and results in the message's language
        mood = confirmation.user_mood(state["messages"])  # a question never writes, whichever model read it
        actions, failed = confirmation.plans_for(specs, speaker, request.tool_calls, mood)
        refused = set()
        if actions and not confirmation.ask(speaker, actions):  # nothing of this step has run before the pause
            refused = {a["call_id"] for a in actions}
        replies = []
        for call in request.tool_calls:
            started = time.perf_counter()
            spec = specs.get(call["name"])
            if spec is None:
                result = {"ok": False, "error": f"the {agent} agent has no tool '{call['name']}'"}
            elif call["id"] in failed:
                result = failed[call["id"]]
            elif call["id"] in refused:
                result = {"ok": False, "cancelled": True, "error": confirmation.NOT_CONFIRMED}
            else:
                with spans.tool_call(call["name"]) as span:
                    result = run_or_escalate(spec, speaker, call["args"])
                    span.set_attribute("tessera.tool.ok", bool(result.get("ok")))
            elapsed = round((time.perf_counter() - started) * 1000, 2)
            replies.append(ToolMessage(content=dumps(result), tool_call_id=call["id"], name=call["name"],
                                       artifact={"ms": elapsed}, status="success" if result.get("ok") else "error"))
        if refused and len(refused) == len(request.tool_calls):  # all cancelled: say so plainly, no model call
            replies.append(confirmation.cancelled_reply(speaker))
        return {"messages": replies}

    run_tools.__name__ = f"{agent}_tools"
    return run_tools


def run_or_escalate(spec, ctx: ToolContext, args: dict) -> dict:
    """Runs a tool; what its contract does not cover pauses the graph until a person decides.

    On resume LangGraph runs this node again from the start: the tool finds its stored pending decision
    (no second request), `interrupt` returns the person's decision, and `resume` books it idempotently.
    """
    try:
        return spec.invoke(ctx, args)
    except NeedsApproval as pending:
        decision = interrupt(pending.payload)
        return {"ok": True, **pending.resume(decision)}
    except GraphBubbleUp:
        raise  # LangGraph's own control flow (a pause), not an error
    except Exception as exc:  # a bug in a tool: the call still gets its tool message, and the turn goes on
        log.exception("tool %s failed", spec.name)
        return {"ok": False, "error": f"{spec.name} failed unexpectedly ({type(exc).__name__}) and did not "
                                      "complete; tell the user, and do not claim it was done"}


def tool_steps(messages: list) -> int:
    """How many tool steps this turn has asked for so far (model messages with tool calls since the user's)."""
    start = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
    return sum(1 for m in messages[start + 1:] if isinstance(m, AIMessage) and m.tool_calls)


def answered(state: TurnState) -> bool:
    """The tool step ended the turn itself (a plan the user cancelled): no model call follows."""
    return isinstance(state["messages"][-1], AIMessage)


def wants_tools(state: TurnState) -> bool:
    last = state["messages"][-1]
    return isinstance(last, AIMessage) and bool(last.tool_calls)
