"""Suite-wide set-up: every test runs against the settings' real servers.

Tracing is set up once per process, as in a server worker; a test reads the spans
finished during it from an in-memory exporter attached to that one provider.
"""

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shop.platform.telemetry.tracing import setup_tracing


@pytest.fixture(scope="session")
def _span_exporter():
    exporter = InMemorySpanExporter()
    setup_tracing().add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def spans(_span_exporter):
    """The exporter holding the spans finished since the test began."""
    _span_exporter.clear()
    yield _span_exporter
    _span_exporter.clear()
