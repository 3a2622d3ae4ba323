"""``/metrics``: the Prometheus text exposition."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from opentelemetry.instrumentation.utils import suppress_instrumentation

from shop.platform.errors import probe_view
from shop.platform.telemetry.metrics import exposition
from shop.platform.telemetry.state import PlatformStateCollector


@probe_view
def metrics(request: HttpRequest) -> HttpResponse:
    """Every metric of this process (or of all its server's workers), in Prometheus text."""
    # Scrapes come every few seconds: their queries would each start a trace of their own.
    with suppress_instrumentation():
        body, content_type = exposition(PlatformStateCollector())
    return HttpResponse(body, content_type=content_type)
