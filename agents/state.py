"""The graph's state: the conversation, plus which specialist handles the current turn and why."""
from __future__ import annotations

from langgraph.graph import MessagesState


class TurnState(MessagesState):
    agent: str
    route_reason: str
