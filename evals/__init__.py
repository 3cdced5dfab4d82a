"""Evals: scenario files (persona, conversation, expected tool calls) and a runner graded by store state."""
