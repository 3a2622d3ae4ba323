"""Trace context carried by events: captured at publish, continued when handled."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import context, propagate, trace
from opentelemetry.trace import Span, SpanKind

_TRACER_NAME = "shop.platform.events"


def current_traceparent() -> str:
    """The W3C ``traceparent`` of the active span, or ``""`` outside any trace."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent", "")


@contextmanager
def publish_span(name: str) -> Iterator[Span]:
    """A producer span around writing event ``name`` to the outbox."""
    tracer = trace.get_tracer(_TRACER_NAME)
    with tracer.start_as_current_span(f"event.publish {name}", kind=SpanKind.PRODUCER) as span:
        span.set_attribute("messaging.destination.name", name)
        yield span


@contextmanager
def handle_span(name: str, traceparent: str, subscriber: str) -> Iterator[Span]:
    """A consumer span for one subscriber applying ``name``, child of the publisher's span."""
    parent = propagate.extract({"traceparent": traceparent}) if traceparent else context.Context()
    tracer = trace.get_tracer(_TRACER_NAME)
    with tracer.start_as_current_span(
        f"event.handle {name}", context=parent, kind=SpanKind.CONSUMER
    ) as span:
        span.set_attribute("messaging.destination.name", name)
        span.set_attribute("shop.event.subscriber", subscriber)
        yield span
