"""The supervisor node: picks the specialist for this turn by role, and by intent where a role has several."""
from __future__ import annotations

from collections.abc import Callable

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig

from agents.routing import TRANSFER_PREFIX, allowed_specialists
from agents.state import TurnState
from prompts import load_prompt
from tools.registry import toolset

SPECIALIST_SUMMARIES = {
    "sales": "Hand over to the sales specialist: look up or update accounts, contacts and deals, log activities, open cases.",
    "analyst": "Hand over to the analyst: pipeline, win rates, margins and questions across many deals.",
    "privacy": "Hand over to the privacy specialist: the customer's own personal data and requests about it.",
    "prompt_ops": "Hand over to the prompt specialist: prompt versions, labels, diffs, rollbacks and eval results.",
}


def transfer_tool(agent: str, allowed: tuple[str, ...]) -> dict:
    """A handoff tool whose examples are those of the tools this specialist carries that the others allowed do not,
    and of the tools it shares with them (query_metrics, carried by the sales and analyst agents): a shared tool's
    requests may go to either, never to neither."""
    others = {t.name for other in allowed if other != agent for t in toolset(other)}
    alone = [t for t in toolset(agent) if t.name not in others]
    own = alone + [t for t in toolset(agent) if t.name in others]
    examples = [e for t in own for e in t.examples]
    description = "\n".join([SPECIALIST_SUMMARIES[agent], "", "Examples:", *[f"- {e}" for e in examples]])
    return {"type": "function", "function": {"name": f"{TRANSFER_PREFIX}{agent}", "description": description,
                                             "parameters": {"type": "object", "properties": {}}}}


def asked_a_question(messages: list) -> bool:
    """Whether the turn before this message ended with the specialist asking the user something."""
    previous = messages[-2] if len(messages) >= 2 else None
    text = previous.content if isinstance(previous, AIMessage) and isinstance(previous.content, str) else ""
    return bool(text) and not previous.tool_calls and text.rstrip().endswith(("?", "？"))


def make_supervisor(model: BaseChatModel, prompt_text: Callable[[str], str] = lambda name: load_prompt(name).text):

    def supervisor(state: TurnState, config: RunnableConfig) -> dict:
        actor = config["configurable"]["actor"]
        allowed = allowed_specialists(actor.role)
        if len(allowed) == 1:
            return {"agent": allowed[0], "route_reason": f"role {actor.role} is served by {allowed[0]}"}
        if state.get("agent") in allowed and asked_a_question(state["messages"]):
            return {"agent": state["agent"], "route_reason": f"answer to {state['agent']}'s question stays with it"}
        last = next(m for m in reversed(state["messages"]) if isinstance(m, HumanMessage))
        bound = model.bind_tools([transfer_tool(a, allowed) for a in allowed])
        decision = bound.invoke([SystemMessage(prompt_text("supervisor")), last], config)
        for call in decision.tool_calls:
            agent = call["name"].removeprefix(TRANSFER_PREFIX)
            if agent in allowed:
                return {"agent": agent, "route_reason": decision.content or f"model chose {agent}"}
        return {"agent": allowed[0],
                "route_reason": f"no clear specialist for this message; default for {actor.role} is {allowed[0]}"}

    return supervisor
