"""One trace follows a request across the apps it calls and the databases they use."""

import pytest
from django.db import connections
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import ConsoleSpanExporter
from opentelemetry.trace import (
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    StatusCode,
    TraceFlags,
    set_span_in_context,
)

from shop.platform.telemetry.tracing import default_sampler, setup_tracing, span_exporter

pytestmark = pytest.mark.urls("tests.platform.observability.urls")

FAKES = "tests.platform.observability.fakes"


@pytest.fixture
def fake_apps(settings):
    settings.SHOP_BINDINGS = {
        **settings.SHOP_BINDINGS,
        "contracts.inventory.InventoryService": f"{FAKES}.SqlInventory",
        "contracts.payments.PaymentsService": f"{FAKES}.SqlPayments",
    }


def database_of(span):
    return span.attributes.get("db.name") or span.attributes.get("db.namespace")


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_an_order_request_is_one_trace_through_both_apps_and_their_databases(
    client, spans, fake_apps
):
    # Connections opened before the suite set tracing up are not instrumented.
    connections.close_all()

    response = client.post("/observability-test/orders/")

    assert response.status_code == 201
    finished = spans.get_finished_spans()
    (server,) = [s for s in finished if s.kind == SpanKind.SERVER]
    assert server.name == "POST observability-test/orders/"
    assert {s.context.trace_id for s in finished} == {server.context.trace_id}
    by_name = {s.name: s for s in finished}
    reserve, authorize = by_name["inventory.reserve"], by_name["payments.authorize"]
    assert reserve.parent.span_id == server.context.span_id
    assert authorize.parent.span_id == server.context.span_id
    assert dict(reserve.attributes) == {
        "shop.contract": "inventory",
        "shop.method": "reserve",
        "shop.outcome": "ok",
    }
    assert authorize.attributes["shop.outcome"] == "ok"

    sql = [s for s in finished if database_of(s)]
    databases_under = {
        parent: {database_of(s) for s in sql if s.parent.span_id == span.context.span_id}
        for parent, span in [("server", server), ("reserve", reserve), ("authorize", authorize)]
    }
    name = {alias: connections[alias].settings_dict["NAME"] for alias in connections}
    assert databases_under == {
        "server": {name["orders"]},
        "reserve": {name["inventory"]},
        "authorize": {name["payments"]},
    }


@pytest.mark.django_db(databases=["orders", "inventory"])
def test_a_refused_binding_call_is_traced_with_its_error(client, spans, settings):
    settings.SHOP_BINDINGS = {
        **settings.SHOP_BINDINGS,
        "contracts.inventory.InventoryService": f"{FAKES}.SoldOutInventory",
    }

    response = client.post("/observability-test/orders/")

    assert response.status_code == 409
    (reserve,) = [s for s in spans.get_finished_spans() if s.name == "inventory.reserve"]
    assert reserve.attributes["shop.outcome"] == "InsufficientStock"
    assert reserve.status.status_code == StatusCode.ERROR
    (event,) = reserve.events
    assert event.name == "exception"
    assert event.attributes["exception.type"].endswith("InsufficientStock")


def test_tracing_is_set_up_once_per_process_for_the_shop_service(settings):
    provider = setup_tracing()

    assert setup_tracing() is provider
    assert trace.get_tracer_provider() is provider
    assert provider.resource.attributes["service.name"] == "shop"
    assert provider.resource.attributes["service.version"] == settings.SHOP_VERSION
    assert provider.resource.attributes["deployment.environment"] == settings.SHOP_ENV


@pytest.mark.parametrize(
    ("environ", "exporter"),
    [
        ({}, None),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, OTLPSpanExporter),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, OTLPSpanExporter),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, OTLPSpanExporter),
        ({"OTEL_TRACES_EXPORTER": "console"}, ConsoleSpanExporter),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c"}, None),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c"}, None),
    ],
)
def test_spans_are_exported_only_where_the_otel_variables_say(environ, exporter):
    chosen = span_exporter(environ)

    assert type(chosen) is exporter if exporter else chosen is None


def test_an_unknown_exporter_is_refused_at_start_up():
    with pytest.raises(ValueError, match="OTEL_TRACES_EXPORTER='zipkin'"):
        span_exporter({"OTEL_TRACES_EXPORTER": "zipkin"})


def _decision(sampler, trace_id: int, parent_sampled: bool | None = None):
    context = None
    if parent_sampled is not None:
        flags = TraceFlags(TraceFlags.SAMPLED if parent_sampled else TraceFlags.DEFAULT)
        parent = SpanContext(trace_id, 1, is_remote=True, trace_flags=flags)
        context = set_span_in_context(NonRecordingSpan(parent))
    return sampler.should_sample(context, trace_id, "GET /").decision.is_sampled()


def test_production_samples_one_new_trace_in_ten_and_follows_a_callers_decision():
    sampler = default_sampler({}, "production")
    # Trace ids are random: the ratio sampler keeps those below ratio x 2^64.
    low, high = 1, (1 << 64) - 1
    assert _decision(sampler, low) is True
    assert _decision(sampler, high) is False
    assert _decision(sampler, high, parent_sampled=True) is True
    assert _decision(sampler, low, parent_sampled=False) is False


def test_development_and_an_explicit_sampler_keep_the_sdks_choice():
    assert default_sampler({}, "development") is None
    assert default_sampler({"OTEL_TRACES_SAMPLER": "always_on"}, "production") is None


UNSAMPLED_PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"
SAMPLED_PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_a_request_whose_trace_is_not_sampled_makes_no_library_spans(client, spans):
    unsampled = client.get("/observability-test/instrumented/", HTTP_TRACEPARENT=UNSAMPLED_PARENT)
    sampled = client.get("/observability-test/instrumented/", HTTP_TRACEPARENT=SAMPLED_PARENT)

    assert unsampled.json() == {"instrumented": False}
    assert sampled.json() == {"instrumented": True}
