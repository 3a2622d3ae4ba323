"""An event handled by the worker continues the trace of the request that published it."""

from __future__ import annotations

import io
import threading
import uuid

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shop.platform.events import publish
from shop.platform.events.models import OutboxMessage
from shop.platform.telemetry.tracing import setup_tracing
from tests.platform.events.scenario import ParcelPacked

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture
def spans():
    """Spans finished during the test, from the process's one provider (set up once)."""
    exporter = InMemorySpanExporter()
    setup_tracing().add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()  # the processor stays registered but records nothing more


def test_a_handled_event_continues_the_publishing_trace(spans, recorders, worker_delivers_only):
    published = {}

    def handle_request() -> None:
        tracer = trace.get_tracer("tests")
        try:
            with tracer.start_as_current_span("POST /api/v1/parcels") as request_span:
                with transaction.atomic(using="inventory"):
                    publish(ParcelPacked(parcel_id=uuid.uuid4(), weight_grams=1))
                published["context"] = request_span.get_span_context()
        finally:
            connections.close_all()

    thread = threading.Thread(target=handle_request)
    thread.start()
    thread.join()
    call_command("run_worker", "--once", stdout=io.StringIO())

    request = published["context"]
    by_name = {}
    for span in spans.get_finished_spans():
        by_name.setdefault(span.name, []).append(span)
    [publish_span] = by_name["event.publish testing.parcel_packed"]
    handle_spans = by_name["event.handle testing.parcel_packed"]
    assert publish_span.context.trace_id == request.trace_id
    assert publish_span.parent.span_id == request.span_id
    assert len(handle_spans) == 3  # one per subscriber
    for span in handle_spans:
        assert span.context.trace_id == request.trace_id
        assert span.parent.span_id == publish_span.context.span_id
    assert {s.attributes["shop.event.subscriber"] for s in handle_spans} == {
        "tests.platform.events.scenario.record_in_inventory",
        "tests.platform.events.scenario.record_in_orders",
        "tests.platform.events.scenario.record_in_payments",
    }
    traceparent = OutboxMessage.objects.using("inventory").get().traceparent
    version, trace_id, parent_id, _flags = traceparent.split("-")
    assert (version, trace_id, parent_id) == (
        "00",
        f"{request.trace_id:032x}",
        f"{publish_span.context.span_id:016x}",
    )
