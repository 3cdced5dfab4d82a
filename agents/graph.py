"""The Tessera graph: supervisor → specialist model ⇄ specialist tools → end."""
from __future__ import annotations

from collections.abc import Callable

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph

from agents.routing import SPECIALISTS
from agents.spans import traced_node
from agents.specialist import answered, file_prompt, make_model_node, make_tool_node, wants_tools
from agents.state import TurnState
from agents.supervisor import make_supervisor
from tools.base import ToolContext


def build_graph(models: Callable[[str], BaseChatModel], context_for: Callable[[RunnableConfig], ToolContext],
                checkpointer: BaseCheckpointSaver | None = None, prompt_text: Callable[[str], str] = file_prompt):
    """`models(agent)` gives each agent its chat model; `context_for(config)` the acting user's tool context;
    `prompt_text(name)` each prompt's text at each call (the registry's production version; by default the file)."""
    graph = StateGraph(TurnState)
    graph.add_node("supervisor", traced_node("supervisor", make_supervisor(models("supervisor"), prompt_text)))
    graph.add_edge(START, "supervisor")
    graph.add_conditional_edges("supervisor", lambda s: f"{s['agent']}_model",
                                {f"{a}_model": f"{a}_model" for a in SPECIALISTS})
    for agent in SPECIALISTS:
        model_node, tool_node = f"{agent}_model", f"{agent}_tools"
        graph.add_node(model_node, traced_node(model_node, make_model_node(agent, models(agent), prompt_text)))
        graph.add_node(tool_node, traced_node(tool_node, make_tool_node(agent, context_for)))
        graph.add_conditional_edges(model_node, lambda s, t=tool_node: t if wants_tools(s) else END, [tool_node, END])
        graph.add_conditional_edges(tool_node, lambda s, m=model_node: END if answered(s) else m, [model_node, END])
    return graph.compile(checkpointer=checkpointer)
