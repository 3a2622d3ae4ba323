"""The process's OpenTelemetry tracer provider and the libraries it instruments.

Export follows the standard ``OTEL_*`` variables and is off when none is set; spans
are still made, so log lines carry trace and span ids either way.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from opentelemetry import trace
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.resources import (
    DEPLOYMENT_ENVIRONMENT,
    SERVICE_NAME,
    SERVICE_VERSION,
    Resource,
)
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ParentBased, Sampler, TraceIdRatioBased

# Probes and scrapes arrive every few seconds and would drown the real traces.
UNTRACED_URLS = "healthz,readyz,metrics"
REQUEST_ID_MIDDLEWARE = "shop.platform.telemetry.middleware.RequestIdMiddleware"
UNSAMPLED_REQUEST_MIDDLEWARE = "shop.platform.telemetry.tracing.UnsampledRequestMiddleware"
# Head sampling in production when OTEL_TRACES_SAMPLER is unset: one new trace in ten,
# and whatever a caller's traceparent decided (docs/observability.md has the figures).
PRODUCTION_SAMPLE_RATIO = 0.1

_lock = threading.Lock()
_provider: TracerProvider | None = None


def setup_tracing() -> TracerProvider:
    """Install the tracer provider and instrument Django, psycopg and Redis, once.

    Call it in each process that serves or works (after a pre-forking server has
    forked, before the WSGI/ASGI application is built); later calls return the
    provider already installed. Tests may add span processors to it.
    """
    global _provider
    with _lock:
        if _provider is not None:
            return _provider
        provider = TracerProvider(
            resource=service_resource(), sampler=default_sampler(os.environ, settings.SHOP_ENV)
        )
        exporter = span_exporter(os.environ)
        if exporter is not None:
            provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        DjangoInstrumentor().instrument(
            tracer_provider=provider,
            excluded_urls=os.environ.get("OTEL_PYTHON_DJANGO_EXCLUDED_URLS", UNTRACED_URLS),
            middleware_position=tracing_middleware_position(settings.MIDDLEWARE),
        )
        _follow_tracing_middleware_with(UNSAMPLED_REQUEST_MIDDLEWARE)
        PsycopgInstrumentor().instrument(tracer_provider=provider, skip_dep_check=True)
        RedisInstrumentor().instrument(tracer_provider=provider)
        _provider = provider
        return provider


class UnsampledRequestMiddleware:
    """Inside a request whose trace is not sampled, the libraries' instrumentation
    (SQL statements, Redis commands) makes no spans: they would be dropped unrecorded,
    and making them costs CPU on every statement. The shop's own spans (calls through
    bindings, events) are still made, so ids and ``traceparent`` carry on as before.

    Installed by ``setup_tracing`` right after the tracing middleware, whose request
    span is then the current one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if trace.get_current_span().is_recording():
            return self.get_response(request)
        with suppress_instrumentation():
            return self.get_response(request)


def _follow_tracing_middleware_with(middleware: str) -> None:
    installed = list(settings.MIDDLEWARE)
    tracing = next((m for m in installed if m.endswith("otel_middleware._DjangoMiddleware")), None)
    if tracing is None or middleware in installed:
        return
    installed.insert(installed.index(tracing) + 1, middleware)
    settings.MIDDLEWARE = installed


def default_sampler(environ: Mapping[str, str], shop_env: str) -> Sampler | None:
    """The sampler when ``OTEL_TRACES_SAMPLER`` chooses none: in production
    ``parentbased_traceidratio`` at ``PRODUCTION_SAMPLE_RATIO``; elsewhere ``None``, the
    SDK's own default (every trace), so development and tests see every span.

    With the variable set, ``None`` too: the SDK then reads it (and its ``_ARG``).
    """
    if environ.get("OTEL_TRACES_SAMPLER", "").strip() or shop_env != "production":
        return None
    return ParentBased(TraceIdRatioBased(PRODUCTION_SAMPLE_RATIO))


def tracing_middleware_position(middleware: Sequence[str]) -> int:
    """Where the tracing middleware goes: right after the request id middleware.

    The tracing middleware reads the Host header; a disallowed one raises there, and
    only a middleware outside it can still put ``X-Request-ID`` on the 400 answer.
    ``OTEL_PYTHON_DJANGO_MIDDLEWARE_POSITION`` still overrides this.
    """
    if REQUEST_ID_MIDDLEWARE in middleware:
        return list(middleware).index(REQUEST_ID_MIDDLEWARE) + 1
    return 0


def service_resource() -> Resource:
    """Who emits the spans: service name, version and deployment environment.

    ``OTEL_SERVICE_NAME`` renames the service; ``OTEL_RESOURCE_ATTRIBUTES`` adds more.
    """
    return Resource.create(
        {
            SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", "shop"),
            SERVICE_VERSION: settings.SHOP_VERSION,
            DEPLOYMENT_ENVIRONMENT: settings.SHOP_ENV,
        }
    )


def span_exporter(environ: Mapping[str, str] = os.environ) -> SpanExporter | None:
    """The exporter the ``OTEL_*`` variables ask for; ``None`` when they ask for none.

    ``OTEL_TRACES_EXPORTER`` chooses ``otlp`` (HTTP/protobuf), ``console`` or ``none``;
    unset, OTLP is used as soon as an OTLP endpoint is configured.
    """
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    choice = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if not choice:
        has_endpoint = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or environ.get(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
        )
        choice = "otlp" if has_endpoint else "none"
    if choice == "none":
        return None
    if choice == "console":
        return ConsoleSpanExporter()
    if choice == "otlp":
        # Imported only when used: the exporter pulls in requests and protobuf.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    raise ValueError(f"OTEL_TRACES_EXPORTER={choice!r}: expected otlp, console or none")
