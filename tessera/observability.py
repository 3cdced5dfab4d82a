"""What operators see of a running Tessera: OpenTelemetry spans and Prometheus metrics, set up and counted here.

Spans: one per turn (`turn`, opened by the runtime), one per graph node and one per tool call (opened in agents/
through the OpenTelemetry API, which records nothing until a tracer provider is installed). `configure_tracing`
installs the SDK with an OTLP exporter when TESSERA_OBSERVABILITY__OTEL_ENDPOINT is set; otherwise spans cost a
no-op call.

Metrics: the counters below, incremented by the runtime when a turn ends or fails, and by the policy decision
point's listener when it refuses a read (the domain declares the listener; it never imports prometheus). With
several worker processes (`tessera serve --workers N`) the numbers are kept in PROMETHEUS_MULTIPROC_DIR, so any
worker's /metrics answers for all of them.
"""
from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from opentelemetry import context as otel_context
from opentelemetry import trace
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from crm.privacy import pdp

log = logging.getLogger("tessera.observability")
TRACER = trace.get_tracer("tessera")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

TURNS = Counter("tessera_turns", "Chat turns run, by the agent that answered and how the turn ended "
                "(answered, confirming, escalated, failed)", ["agent", "outcome"])
TURN_SECONDS = Histogram("tessera_turn_seconds", "Wall time of a chat turn, lock wait excluded",
                         buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
TOOL_ERRORS = Counter("tessera_tool_errors", "Tool calls that came back with an error, by tool", ["tool"])
ESCALATIONS = Counter("tessera_escalations", "Turns that paused for a person's decision (an approval outside the "
                      "unit's autonomy contract)")
CONSENT_REFUSALS = Counter("tessera_consent_refusals", "Reads of personal data the policy decision point refused, "
                           "by purpose", ["purpose"])
CONTENT_TYPE = CONTENT_TYPE_LATEST

_tracing_lock = threading.Lock()
_tracing_configured = False


def configure_tracing(endpoint: str, service_name: str = "tessera") -> bool:
    """Installs the OpenTelemetry SDK exporting by OTLP/gRPC to `endpoint`, once per process; False when off."""
    global _tracing_configured
    if not endpoint:
        return False
    with _tracing_lock:
        if _tracing_configured:
            return True
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint,
                                                                        insecure=endpoint.startswith("http://"))))
        trace.set_tracer_provider(provider)
        _tracing_configured = True
        log.info("OpenTelemetry spans go to %s", endpoint)
        return True


def count_consent_refusals() -> None:
    """Counts every read the policy decision point refuses (registered once per process)."""
    pdp.listen(_on_decision)


def _on_decision(decision: pdp.ConsentDecision) -> None:
    if not decision.allowed:
        CONSENT_REFUSALS.labels(purpose=decision.purpose).inc()


@contextmanager
def turn_span(kind: str, thread_id: str, login: str) -> Iterator[trace.Span]:
    """The span of one turn (`chat`, `resume`); graph nodes and tool calls run inside it as its children."""
    with TRACER.start_as_current_span(f"turn {kind}", attributes={"tessera.thread": thread_id,
                                                                   "tessera.user": login}) as span:
        yield span


@contextmanager
def ended(span: trace.Span) -> Iterator[trace.Span]:
    """Ends a span that is not made current (a stream's), whatever happens in the block."""
    try:
        yield span
    except BaseException as exc:
        if not isinstance(exc, GeneratorExit):
            span.set_status(trace.Status(trace.StatusCode.ERROR, type(exc).__name__))
        raise
    finally:
        span.end()


def within(span: trace.Span, steps: Iterator) -> Iterator:
    """Runs each step of a lazily iterated graph (a stream) with `span` as the current span: the consumer may
    pull each step from another thread, so the context is attached around each step, never across a yield."""
    ctx = trace.set_span_in_context(span)
    while True:
        token = otel_context.attach(ctx)
        try:
            step = next(steps)
        except StopIteration:
            return
        finally:
            otel_context.detach(token)
        yield step


def turn_finished(span: trace.Span | None, *, agent: str, outcome: str, started: float, steps: list[dict],
                  turn_id: str) -> None:
    """A turn ended: `answered`, `confirming` (it shows a plan and waits for the user's yes) or `escalated` (it
    waits for a person's decision on what the unit's contract does not cover)."""
    TURNS.labels(agent=agent, outcome=outcome).inc()
    TURN_SECONDS.observe(time.perf_counter() - started)
    for step in steps:  # a call the user cancelled is an error result too, but not a tool's error
        if step["type"] == "tool" and step.get("status") == "error" and '"cancelled": true' not in step["result"]:
            TOOL_ERRORS.labels(tool=step["name"]).inc()
    if outcome == "escalated":
        ESCALATIONS.inc()
    span = span or trace.get_current_span()
    if span.is_recording():
        span.set_attributes({"tessera.turn": turn_id, "tessera.agent": agent, "tessera.outcome": outcome})


def turn_failed(started: float, turn_id: str) -> None:
    TURNS.labels(agent="", outcome="failed").inc()
    TURN_SECONDS.observe(time.perf_counter() - started)
    span = trace.get_current_span()
    span.set_attribute("tessera.turn", turn_id)
    span.set_status(trace.Status(trace.StatusCode.ERROR, "the turn failed"))


def share_metrics_between_workers(folder: Path) -> Path:
    """Before worker processes start: their metrics go to files in one folder, emptied now (numbers of an earlier
    run would add up with the new ones). An operator's own PROMETHEUS_MULTIPROC_DIR (gunicorn) is kept as it is."""
    if os.environ.get(MULTIPROC_ENV):
        return Path(os.environ[MULTIPROC_ENV])
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(folder.resolve())  # the workers inherit it and import prometheus_client after
    return folder


def metrics_text() -> tuple[bytes, str]:
    """The exposition of every metric: this process's, or all workers' in multiprocess mode."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE
    return generate_latest(), CONTENT_TYPE
