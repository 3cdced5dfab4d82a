"""Spans of the graph: one per node and one per tool call, through the OpenTelemetry API. They record nothing
until the runtime installs a tracer provider (tessera/observability.py); they nest under the turn's span."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from langgraph.errors import GraphBubbleUp
from opentelemetry import trace

TRACER = trace.get_tracer("tessera.agents")


def traced_node(name: str, fn: Callable) -> Callable:
    """`fn` run inside a span `node <name>` (same signature: LangGraph still sees which arguments it takes)."""

    @functools.wraps(fn)
    def node(*args, **kwargs):
        with _span(f"node {name}", {"tessera.node": name}):
            return fn(*args, **kwargs)

    return node


@contextmanager
def tool_call(name: str) -> Iterator[trace.Span]:
    """The span of one tool call; the caller sets `tessera.tool.ok` from its result."""
    with _span(f"tool {name}", {"tessera.tool": name}) as span:
        yield span


@contextmanager
def _span(name: str, attributes: dict) -> Iterator[trace.Span]:
    with TRACER.start_as_current_span(name, attributes=attributes, record_exception=False,
                                      set_status_on_exception=False) as span:
        try:
            yield span
        except GraphBubbleUp:  # a pause for a person's decision: LangGraph's control flow, not an error
            span.set_attribute("tessera.paused", True)
            raise
        except Exception as exc:
            span.record_exception(exc)
            span.set_status(trace.Status(trace.StatusCode.ERROR, type(exc).__name__))
            raise
