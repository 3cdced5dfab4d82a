"""LangGraph graphs: a supervisor that routes each turn to a specialist agent, and the specialists' tool loops."""
